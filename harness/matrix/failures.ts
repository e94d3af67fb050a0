import { outcomeKey } from '../run/probe-plan.js';
import type { SuiteResults } from '../run/runner.js';
import { describePrompt, type JudgeRecord } from '../spec/probe.js';

export interface FailedProbe {
  id: string;
  prompt: string;
  expected: string;
  actual: string;
}

function expectation(j: JudgeRecord): string {
  switch (j.kind) {
    case 'next': return `next ${JSON.stringify(j.expected)}`;
    case 'choice': return `choice ${JSON.stringify(j.options[j.answer])} of ${j.options.length}`;
    case 'continuation': return `continuation that ${j.check.name}`;
    case 'copying': return `copying, top-1 accuracy >= ${j.minAccuracy}`;
  }
}

/** Up to `limit` probes of a behaviour that failed at (run, step), with what was expected and seen. */
export function failedProbes(r: SuiteResults, behaviour: string, run: string, step: number, limit = 5): { failed: number; sample: FailedProbe[] } {
  const c = r.checkpoints.find((x) => x.run === run && x.step === step);
  const probes = r.probes.get(behaviour) ?? [];
  const failed = probes.filter((p) => c && !c.outcomes.get(outcomeKey(p))?.pass);
  return {
    failed: failed.length,
    sample: failed.slice(0, limit).map((p) => ({
      id: p.id,
      prompt: describePrompt(p.prompt).slice(0, 80),
      expected: expectation(p.judge),
      actual: c?.outcomes.get(outcomeKey(p))?.output ?? 'no outcome',
    })),
  };
}
