import { LmbError } from '../errors.js';
import type { Outcome } from '../judge/judge.js';
import { outcomeKey } from '../run/probe-plan.js';
import type { SuiteResults } from '../run/runner.js';
import { cell as markdownCell } from '../analysis/markdown-cells.js';
import { describePrompt, type ProbeRecord } from '../spec/probe.js';
import { MIN_RISE, emergence, type Emergence } from './emergence.js';
import { fleissKappa, passCount, seedDifference, seedEstimate, type PassTable, type SeedDifference, type SeedEstimate } from './seeds.js';

export interface Agreement {
  both: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  /** Undefined (null) when the two runs' answers leave nothing to agree on beyond chance (all pass, or all fail). */
  kappa: number | null;
}

/** One behaviour at one step, across every run of the suite. */
export interface BehaviourAcrossSeeds {
  behaviour: string;
  probes: number;
  /** Mean pass rate over runs, its 95% multi-bootstrap interval (runs and probes resampled), the runs' SD. */
  passRate: SeedEstimate;
  fleissKappa: number | null;
  /** passedBy[k]: how many probes exactly k runs pass. */
  passedBy: number[];
}

/** A probe that splits the runs, with each run's answer. */
export interface SeedSplit {
  behaviour: string;
  id: string;
  prompt: string;
  passedBy: string[];
  answers: Record<string, string>;
}

export interface StepAcrossSeeds {
  label: string;
  step: number;
  behaviours: BehaviourAcrossSeeds[];
  /** The probes nearest an even split, a few per behaviour. */
  mostSplit: SeedSplit[];
}

/** Two behaviours at one step, across the same runs. */
export interface BehaviourComparison {
  a: string;
  b: string;
  step: number;
  difference: SeedDifference;
}

/** How a behaviour's mean pass rate moved from one compared step to the next (same runs and probes: paired). */
export interface StepChange {
  behaviour: string;
  from: number;
  to: number;
  change: SeedDifference;
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
  runs: string[];
  steps: { label: string; step: number }[];
  /** Every run at once, per compared step; empty with fewer than two runs. */
  acrossSeeds: StepAcrossSeeds[];
  changes: StepChange[];
  /** With `compare`: behaviour b's mean pass rate minus a's at each compared step (runs paired). */
  comparisons: BehaviourComparison[];
  /** Per run and behaviour, over every checkpoint of the run: the step where the pass rate crosses half its rise. */
  emergence: Emergence[];
  pairs: PairConvergence[];
}

/** Statistics are rounded to 4 decimals so committed snapshots stay readable. */
const round = (x: number) => Math.round(x * 1e4) / 1e4;
export const roundAll = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])) as T;
/** The resampling seed of every interval, so a snapshot reproduces exactly. */
export const BOOTSTRAP = { draws: 2000, seed: 1 };
const SPLITS_PER_BEHAVIOUR = 3;

/** Cohen's kappa of two runs' pass/fail answers; null when it is undefined (no answer varies, or no probes). */
export function cohensKappa(a: Omit<Agreement, 'kappa'>): number | null {
  const n = a.both + a.onlyA + a.onlyB + a.neither;
  if (n === 0) return null;
  const po = (a.both + a.neither) / n;
  const pA = (a.both + a.onlyA) / n;
  const pB = (a.both + a.onlyB) / n;
  const pe = pA * pB + (1 - pA) * (1 - pB);
  return pe === 1 ? null : round((po - pe) / (1 - pe));
}

/** A kappa as printed: three decimals, or n/a where it is undefined. */
export const kappaText = (k: number | null) => (k === null ? 'n/a' : k.toFixed(3));

/** A suite's results as pass/fail tables: its runs, the steps every run has, and what passed where. */
export function resultTables(results: SuiteResults) {
  const runs = [...new Set(results.checkpoints.map((c) => c.run))];
  const stepsOf = (run: string) => results.checkpoints.filter((c) => c.run === run).map((c) => c.step);
  const common = stepsOf(runs[0] ?? '').filter((s) => runs.every((r) => stepsOf(r).includes(s))).sort((a, b) => a - b);
  const byCheckpoint = new Map(results.checkpoints.map((c) => [`${c.run}\0${c.step}`, c.outcomes]));
  const none = new Map<string, Outcome>();
  const outcomes = (run: string, step: number) => byCheckpoint.get(`${run}\0${step}`) ?? none;
  /** Whether each probe passes in `run` at `step`. */
  const passRow = (probes: readonly ProbeRecord[], run: string, step: number) => {
    const o = outcomes(run, step);
    return probes.map((p) => !!o.get(outcomeKey(p))?.pass);
  };
  /** Every run's passRow at `step`. */
  const passTable = (probes: readonly ProbeRecord[], step: number): PassTable => runs.map((r) => passRow(probes, r, step));
  return { runs, stepsOf, common, outcomes, passRow, passTable };
}

/**
 * For each pair of runs, at the middle and final steps they share (or `steps`): how often they
 * agree probe by probe, Cohen's kappa, the probes that split them, and whether the final step
 * resolves the mid-training splits.
 */
export function convergence(results: SuiteResults, steps?: readonly number[], opts: { compare?: readonly [string, string] } = {}): Convergence {
  const { runs, stepsOf, common, outcomes, passRow, passTable } = resultTables(results);
  const final = common[common.length - 1];
  const chosen = steps?.length
    ? steps.map((step) => ({ label: `step ${step}`, step }))
    : [{ label: 'middle', step: common[Math.floor((common.length - 1) / 2)] }, { label: 'final', step: final }]
      .filter((s) => s.step !== undefined && (s.label === 'final' || s.step !== final));
  const behaviours = [...results.probes].sort(([x], [y]) => x.localeCompare(y));
  const probed = behaviours.filter(([, probes]) => probes.length > 0);
  const acrossSeeds = runs.length < 2 ? [] : chosen.map(({ label, step }): StepAcrossSeeds => {
    const rows = probed.map(([behaviour, probes]) => {
      const table = passTable(probes, step);
      const passedBy = new Array<number>(runs.length + 1).fill(0);
      const counts = probes.map((_, j) => passCount(table, j));
      for (const k of counts) passedBy[k]++;
      const split = probes.map((p, j) => ({ p, k: counts[j] })).filter(({ k }) => k > 0 && k < runs.length)
        .sort((x, y) => Math.abs(2 * x.k - runs.length) - Math.abs(2 * y.k - runs.length)).slice(0, SPLITS_PER_BEHAVIOUR);
      const fleiss = fleissKappa(table);
      return {
        row: { behaviour, probes: probes.length, passRate: roundAll(seedEstimate(table, BOOTSTRAP)), fleissKappa: fleiss === null ? null : round(fleiss), passedBy },
        splits: split.map(({ p }): SeedSplit => ({
          behaviour, id: p.id, prompt: describePrompt(p.prompt),
          passedBy: runs.filter((r) => outcomes(r, step).get(outcomeKey(p))?.pass),
          answers: Object.fromEntries(runs.map((r) => [r, outcomes(r, step).get(outcomeKey(p))?.output ?? ''])),
        })),
      };
    });
    return { label, step, behaviours: rows.map((r) => r.row), mostSplit: rows.flatMap((r) => r.splits) };
  });
  const changes: StepChange[] = runs.length < 2 ? [] : chosen.slice(1).flatMap(({ step: to }, i) => {
    const from = chosen[i].step;
    return probed.map(([behaviour, probes]) => ({
      behaviour, from, to,
      change: roundAll(seedDifference(passTable(probes, from), passTable(probes, to), { seeds: true, probes: true }, BOOTSTRAP)),
    }));
  });
  const compared = opts.compare && runs.length >= 2 ? opts.compare : undefined;
  if (compared) {
    for (const b of compared) {
      if (!results.probes.get(b)?.length) {
        throw new LmbError('BEHAVIOUR_UNKNOWN', `--compare names ${b}, which is not among this run's behaviours (${behaviours.map(([x]) => x).join(', ')})`, 'Name two behaviours the suite was evaluated on, e.g. --compare emails,acronyms');
      }
    }
  }
  const comparisons: BehaviourComparison[] = compared ? chosen.map(({ step }) => {
    const [a, b] = compared.map((name) => passTable(results.probes.get(name)!, step));
    // The same runs on both sides; the behaviours' probes are their own, resampled apart.
    return { a: compared[0], b: compared[1], step, difference: roundAll(seedDifference(a, b, { seeds: true, probes: false }, BOOTSTRAP)) };
  }) : [];
  const emerged = runs.flatMap((run) => {
    const steps = stepsOf(run).sort((a, b) => a - b);
    return probed.map(([behaviour, probes]) => {
      const e = emergence(run, behaviour, steps, steps.map((step) => passRow(probes, run, step)), { seed: BOOTSTRAP.seed });
      const r = (x: number | null) => (x === null ? null : Math.round(x));
      return { ...e, from: round(e.from), to: round(e.to), step: r(e.step), low: r(e.low), high: r(e.high), noRise: round(e.noRise) };
    });
  });
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
        for (const [behaviour, probes] of behaviours) {
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
  return { suite: results.suite, runs, steps: chosen, acrossSeeds, changes, comparisons, emergence: emerged, pairs };
}

export const percent = (x: number, digits = 1) => `${(100 * x).toFixed(digits)}%`;
export const points = (x: number) => `${x > 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
/** Shortened first, then escaped: a prompt shows literally (`__name__` is not bold) and no escape is cut in half. */
const cell = (s: string, max = 60) => markdownCell(s.slice(0, max));

const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** When each behaviour emerges in each run, and how far apart the runs are. */
function emergenceMarkdown(c: Convergence): string[] {
  const behaviours = [...new Set(c.emergence.map((e) => e.behaviour))];
  if (behaviours.length === 0) return [];
  const out = ['## When each behaviour emerges', '',
    `The step where a run's pass rate crosses half its rise from its first checkpoint to its last (interpolated on ln(1 + step); 95% interval over probe resamples); no rise: it rose by less than ${100 * MIN_RISE} points. Spread: the latest run's step over the earliest's.`, '',
    `| behaviour | ${c.runs.join(' | ')} | spread |`, `| --- | ${c.runs.map(() => '---:').join(' | ')} | ---: |`];
  for (const b of behaviours) {
    const row = c.runs.map((r) => c.emergence.find((e) => e.run === r && e.behaviour === b));
    const cells = row.map((e) => (!e ? '' : e.step === null ? `no rise (${percent(e.from, 0)} → ${percent(e.to, 0)})`
      : `${thousands(e.step)} (${e.low === null ? '?' : thousands(e.low)}–${e.high === null ? '?' : thousands(e.high)})`));
    const steps = row.flatMap((e) => (e?.step ? [e.step] : []));
    const spread = steps.length >= 2 ? `×${(Math.max(...steps) / Math.min(...steps)).toFixed(1)}` : '';
    out.push(`| ${b} | ${cells.join(' | ')} | ${spread} |`);
  }
  return [...out, ''];
}


/** Markdown: every run at once per step, then the change between steps, then pair by pair, then the splits. */
export function convergenceMarkdown(c: Convergence, splitsPerBehaviour = 3): string {
  const out = [`# Convergence: ${c.suite}`, ''];
  if (c.pairs.length === 0) return [...out, 'This suite has a single run: there is no pair to compare.', ''].join('\n');
  const n = c.runs.length;
  out.push(`Across all ${n} runs: the mean pass rate with its 95% multi-bootstrap interval (runs and probes resampled together, ${BOOTSTRAP.draws} draws, seed ${BOOTSTRAP.seed}), the runs' standard deviation, and Fleiss' κ among all runs (1: identical, 0: chance, n/a: every run fails, or passes, every probe).`, '');
  for (const s of c.acrossSeeds) {
    out.push(`## All runs, ${s.label} (step ${s.step})`, '', `| behaviour | probes | mean pass rate | 95% interval | runs' SD | Fleiss κ | probes passed by 0 / … / ${n} runs |`, '| --- | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const b of s.behaviours) {
      const r = b.passRate;
      out.push(`| ${b.behaviour} | ${b.probes} | ${percent(r.mean)} | ${percent(r.low)} – ${percent(r.high)} | ${percent(r.seedSd)} | ${kappaText(b.fleissKappa)} | ${b.passedBy.join(' / ')} |`);
    }
    out.push('');
  }
  const spans = [...new Set(c.changes.map((x) => `${x.from}-${x.to}`))];
  for (const span of spans) {
    const rows = c.changes.filter((x) => `${x.from}-${x.to}` === span);
    out.push(`## From step ${rows[0].from} to step ${rows[0].to}, all runs`, '', 'Change in the mean pass rate (percentage points), paired: the same runs and probes are resampled at both steps.', '',
      '| behaviour | change | 95% interval | P(change ≤ 0) |', '| --- | ---: | ---: | ---: |');
    for (const x of rows) out.push(`| ${x.behaviour} | ${points(x.change.difference)} | ${points(x.change.low)} – ${points(x.change.high)} | ${x.change.atMostZero.toFixed(3)} |`);
    out.push('');
  }
  if (c.comparisons.length) {
    const [{ a, b }] = c.comparisons;
    out.push(`## ${b} minus ${a}, all runs`, '', 'Difference in the mean pass rate (percentage points): the same runs on both sides, each behaviour\'s probes resampled apart.', '',
      '| step | difference | 95% interval | P(difference ≤ 0) |', '| ---: | ---: | ---: | ---: |',
      ...c.comparisons.map((x) => `| ${x.step} | ${points(x.difference.difference)} | ${points(x.difference.low)} – ${points(x.difference.high)} | ${x.difference.atMostZero.toFixed(3)} |`), '');
  }
  out.push(...emergenceMarkdown(c));
  out.push('Pair by pair: κ is Cohen\'s kappa (1: identical, 0: chance, n/a: both runs fail, or pass, every probe).', '');
  for (const { label, step } of c.steps) {
    const pairs = c.pairs.filter((x) => x.step === step);
    out.push(`## Pairs, ${label} (step ${step})`, '', '| run A | run B | both pass | only A | only B | neither | κ |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const p of pairs) {
      const o = p.overall;
      out.push(`| ${p.runA} | ${p.runB} | ${o.both} | ${o.onlyA} | ${o.onlyB} | ${o.neither} | ${kappaText(o.kappa)} |`);
    }
    out.push('', `κ per behaviour:`, '', `| behaviour | ${pairs.map((p) => `${p.runA} / ${p.runB}`).join(' | ')} |`, `| --- | ${pairs.map(() => '---:').join(' | ')} |`);
    for (const b of Object.keys(pairs[0]?.byBehaviour ?? {})) out.push(`| ${b} | ${pairs.map((p) => kappaText(p.byBehaviour[b].kappa)).join(' | ')} |`);
    out.push('');
    const mid = pairs.filter((x) => x.splits.some((s) => s.atFinal));
    if (mid.length) {
      out.push('Splits at this step and what the final step made of them:', '', '| run A | run B | split | resolved: both pass | resolved: neither | still split |', '| --- | --- | ---: | ---: | ---: | ---: |');
      for (const p of mid) {
        const count = (k: string) => p.splits.filter((s) => s.atFinal === k).length;
        out.push(`| ${p.runA} | ${p.runB} | ${p.splits.length} | ${count('both')} | ${count('neither')} | ${count('split')} |`);
      }
      out.push('');
    }
  }
  const last = c.acrossSeeds[c.acrossSeeds.length - 1];
  if (last?.mostSplit.length) {
    out.push(`## Probes that split the runs most at step ${last.step} (up to ${SPLITS_PER_BEHAVIOUR} per behaviour)`, '', '| behaviour | passed by | prompt | answers |', '| --- | --- | --- | --- |');
    for (const s of last.mostSplit) {
      const answers = Object.entries(s.answers).map(([run, a]) => `${run}: ${a}`).join('; ');
      out.push(`| ${s.behaviour} | ${s.passedBy.join(', ')} | ${cell(s.prompt)} | ${cell(answers, 200)} |`);
    }
    out.push('');
  }
  const lastStep = c.steps[c.steps.length - 1];
  const examples = c.pairs.filter((p) => p.step === lastStep?.step).flatMap((p) => {
    const perBehaviour = new Map<string, SplitProbe[]>();
    for (const s of p.splits) perBehaviour.set(s.behaviour, [...(perBehaviour.get(s.behaviour) ?? []), s]);
    return [...perBehaviour.values()].flatMap((ss) => ss.slice(0, splitsPerBehaviour).map((s) => ({ p, s })));
  });
  if (examples.length) {
    out.push(`## Probes that split pairs at step ${lastStep.step} (up to ${splitsPerBehaviour} per behaviour and pair)`, '', '| behaviour | runs | passed by | prompt | A says | B says |', '| --- | --- | --- | --- | --- | --- |');
    for (const { p, s } of examples) out.push(`| ${s.behaviour} | ${p.runA} / ${p.runB} | ${s.passedBy} | ${cell(s.prompt)} | ${cell(s.outputA)} | ${cell(s.outputB)} |`);
    out.push('');
  }
  return out.join('\n');
}
