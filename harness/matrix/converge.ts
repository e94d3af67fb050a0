import type { Outcome } from '../judge/judge.js';
import { outcomeKey } from '../run/probe-plan.js';
import type { SuiteResults } from '../run/runner.js';
import { describePrompt } from '../spec/probe.js';

export interface Agreement {
  both: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  kappa: number;
}

export interface SplitProbe {
  id: string;
  behaviour: string;
  prompt: string;
  passedBy: string;
  outputA: string;
  outputB: string;
  /** For mid-training splits: what the final step says (`both`, `neither` or `split`). */
  atFinal?: 'both' | 'neither' | 'split';
}

export interface PairConvergence {
  runA: string;
  runB: string;
  step: number;
  label: string;
  overall: Agreement;
  byBehaviour: Record<string, Agreement>;
  splits: SplitProbe[];
}

export interface Convergence {
  suite: string;
  steps: { label: string; step: number }[];
  pairs: PairConvergence[];
}

export function cohensKappa(a: Omit<Agreement, 'kappa'>): number {
  const n = a.both + a.onlyA + a.onlyB + a.neither;
  if (n === 0) return 1;
  const po = (a.both + a.neither) / n;
  const pA = (a.both + a.onlyA) / n;
  const pB = (a.both + a.onlyB) / n;
  const pe = pA * pB + (1 - pA) * (1 - pB);
  return pe === 1 ? 1 : Math.round(((po - pe) / (1 - pe)) * 1e4) / 1e4;
}

/**
 * For each pair of runs, at the middle and final steps they share (or `steps`): how often they
 * agree probe by probe, Cohen's kappa, the probes that split them, and whether the final step
 * resolves the mid-training splits.
 */
export function convergence(results: SuiteResults, steps?: readonly number[]): Convergence {
  const runs = [...new Set(results.checkpoints.map((c) => c.run))];
  const stepsOf = (run: string) => results.checkpoints.filter((c) => c.run === run).map((c) => c.step);
  const common = stepsOf(runs[0] ?? '').filter((s) => runs.every((r) => stepsOf(r).includes(s))).sort((a, b) => a - b);
  const final = common[common.length - 1];
  const chosen = steps?.length
    ? steps.map((step) => ({ label: `step ${step}`, step }))
    : [{ label: 'middle', step: common[Math.floor((common.length - 1) / 2)] }, { label: 'final', step: final }]
      .filter((s) => s.step !== undefined && (s.label === 'final' || s.step !== final));
  const outcomes = (run: string, step: number) => results.checkpoints.find((c) => c.run === run && c.step === step)?.outcomes ?? new Map<string, Outcome>();
  const pairs: PairConvergence[] = [];
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      for (const { label, step } of chosen) {
        const a = outcomes(runs[i], step);
        const b = outcomes(runs[j], step);
        const fa = outcomes(runs[i], final);
        const fb = outcomes(runs[j], final);
        const byBehaviour: Record<string, Agreement> = {};
        const total = { both: 0, onlyA: 0, onlyB: 0, neither: 0 };
        const splits: SplitProbe[] = [];
        for (const [behaviour, probes] of [...results.probes].sort(([x], [y]) => x.localeCompare(y))) {
          const counts = { both: 0, onlyA: 0, onlyB: 0, neither: 0 };
          for (const p of probes) {
            const pa = !!a.get(outcomeKey(p))?.pass;
            const pb = !!b.get(outcomeKey(p))?.pass;
            const key = pa && pb ? 'both' : pa ? 'onlyA' : pb ? 'onlyB' : 'neither';
            counts[key]++;
            total[key]++;
            if (pa !== pb) {
              const finalA = !!fa.get(outcomeKey(p))?.pass;
              const finalB = !!fb.get(outcomeKey(p))?.pass;
              splits.push({
                id: p.id, behaviour, prompt: describePrompt(p.prompt), passedBy: pa ? runs[i] : runs[j],
                outputA: a.get(outcomeKey(p))?.output ?? '', outputB: b.get(outcomeKey(p))?.output ?? '',
                ...(step !== final ? { atFinal: finalA && finalB ? 'both' : !finalA && !finalB ? 'neither' : 'split' } : {}),
              });
            }
          }
          byBehaviour[behaviour] = { ...counts, kappa: cohensKappa(counts) };
        }
        pairs.push({ runA: runs[i], runB: runs[j], step, label, overall: { ...total, kappa: cohensKappa(total) }, byBehaviour, splits });
      }
    }
  }
  return { suite: results.suite, steps: chosen, pairs };
}

/** Markdown: one agreement table per step, then the splits (a few per behaviour). */
export function convergenceMarkdown(c: Convergence, splitsPerBehaviour = 3): string {
  const out = [`# Convergence: ${c.suite}`, '', 'Probe-by-probe agreement between runs. κ is Cohen\'s kappa (1: identical, 0: chance).', ''];
  if (c.pairs.length === 0) return [...out, 'This suite has a single run: there is no pair to compare.', ''].join('\n');
  for (const { label, step } of c.steps) {
    out.push(`## ${label} (step ${step})`, '', '| run A | run B | both pass | only A | only B | neither | κ |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const p of c.pairs.filter((x) => x.step === step)) {
      const o = p.overall;
      out.push(`| ${p.runA} | ${p.runB} | ${o.both} | ${o.onlyA} | ${o.onlyB} | ${o.neither} | ${o.kappa.toFixed(3)} |`);
    }
    out.push('');
    const mid = c.pairs.filter((x) => x.step === step && x.splits.some((s) => s.atFinal));
    if (mid.length) {
      out.push('Splits at this step and what the final step made of them:', '', '| run A | run B | split | resolved: both pass | resolved: neither | still split |', '| --- | --- | ---: | ---: | ---: | ---: |');
      for (const p of mid) {
        const n = (k: string) => p.splits.filter((s) => s.atFinal === k).length;
        out.push(`| ${p.runA} | ${p.runB} | ${p.splits.length} | ${n('both')} | ${n('neither')} | ${n('split')} |`);
      }
      out.push('');
    }
  }
  const last = c.steps[c.steps.length - 1];
  const examples = c.pairs.filter((p) => p.step === last?.step).flatMap((p) => {
    const perBehaviour = new Map<string, SplitProbe[]>();
    for (const s of p.splits) perBehaviour.set(s.behaviour, [...(perBehaviour.get(s.behaviour) ?? []), s]);
    return [...perBehaviour.values()].flatMap((ss) => ss.slice(0, splitsPerBehaviour).map((s) => ({ p, s })));
  });
  if (examples.length) {
    out.push(`## Probes that split runs at step ${last.step} (up to ${splitsPerBehaviour} per behaviour and pair)`, '', '| behaviour | runs | passed by | prompt | A says | B says |', '| --- | --- | --- | --- | --- | --- |');
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, '⏎').slice(0, 60);
    for (const { p, s } of examples) out.push(`| ${s.behaviour} | ${p.runA} / ${p.runB} | ${s.passedBy} | ${cell(s.prompt)} | ${cell(s.outputA)} | ${cell(s.outputB)} |`);
    out.push('');
  }
  return out.join('\n');
}
