import { LmbError, thrownLine } from '../errors.js';
import { judgeProbe, probeRequests, type Outcome } from '../judge/index.js';
import type { Answer, Request } from '../score/requests.js';
import { expandProbes, type Behaviour } from '../spec/behaviour.js';
import type { Probe } from '../spec/probe.js';
import type { TextTokenizer } from '../tokenize/tokenizer.js';
import { readAnswer, requestKey } from './stored-answer.js';

/**
 * What a set of behaviours asks of every checkpoint, for one tokenizer: the probes, and the
 * distinct requests they make (identical requests of different probes or specs are one).
 */
export interface ProbePlan {
  readonly tokenizer: TextTokenizer;
  /** Every behaviour's probes, in definition order. */
  readonly byBehaviour: ReadonlyMap<string, readonly Probe[]>;
  readonly probes: readonly Probe[];
  /** Each probe's requests, by key, in the order its judge made them. */
  readonly requestsOf: ReadonlyMap<string, readonly string[]>;
  /** Every distinct request, by key. */
  readonly requests: ReadonlyMap<string, Request>;
}

/** Expands each behaviour's probes and makes their requests; spec errors name the spec. */
export function planProbes(behaviours: readonly Behaviour[], tokenizer: TextTokenizer): ProbePlan {
  const byBehaviour = new Map<string, Probe[]>();
  for (const b of behaviours) {
    let probes: Probe[];
    try {
      probes = expandProbes(b, { tokenizer, vocabSize: tokenizer.vocabSize });
    } catch (e) {
      if (e instanceof LmbError) throw e;
      throw new LmbError('SPEC_FAILED', `behaviour "${b.name}" (${b.file ?? 'unknown file'}) threw while making its probes: ${thrownLine(e)}`,
        'Fix the spec file; run it alone with vitest --project behaviours <file>');
    }
    if (probes.length === 0) throw new LmbError('SPEC_EMPTY', `behaviour "${b.name}" (${b.file ?? 'unknown file'}) has no probes`, 'Give it a list or a generator with count > 0');
    byBehaviour.set(b.name, probes);
  }
  const probes = [...byBehaviour.values()].flat();
  const requests = new Map<string, Request>();
  const requestsOf = new Map<string, string[]>();
  for (const p of probes) {
    const keys = probeRequests(p, tokenizer).map((r) => {
      const key = requestKey(r);
      requests.set(key, r);
      return key;
    });
    requestsOf.set(p.id, keys);
  }
  return { tokenizer, byBehaviour, probes, requestsOf, requests };
}

/** The plan's requests answered by `stored` (as read from a cache), and the keys of those it lacks. */
export function storedAnswers(plan: ProbePlan, stored: ReadonlyMap<string, unknown>): { answers: Map<string, Answer>; missing: string[] } {
  const answers = new Map<string, Answer>();
  const missing: string[] = [];
  for (const [key, r] of plan.requests) {
    const a = stored.has(key) ? readAnswer(r, stored.get(key)) : undefined;
    if (a) answers.set(key, a);
    else missing.push(key);
  }
  return { answers, missing };
}

/**
 * Where a probe's outcome is kept: by behaviour and id, since two behaviours may hold probes of
 * one id (the same prompt, and checks of one name) that judge differently.
 */
export const outcomeKey = (p: { readonly behaviour: string; readonly id: string }) => `${p.behaviour}/${p.id}`;

/** Judges every probe of the plan from its answers: verdicts are never stored, always made here. */
export function judgeAll(plan: ProbePlan, answers: ReadonlyMap<string, Answer>): Map<string, Outcome> {
  const outcomes = new Map<string, Outcome>();
  for (const p of plan.probes) {
    outcomes.set(outcomeKey(p), judgeProbe(p, plan.requestsOf.get(p.id)!.map((k) => answers.get(k)!), plan.tokenizer));
  }
  return outcomes;
}
