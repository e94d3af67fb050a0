import { cell, tokenCell } from '../markdown-cells.js';
import type { CurveClass } from './classify.js';
import type { CurveExample, CurvesSummary, RunCurve, TokenCurves } from './curves.js';

const num = (v: number | null, digits = 2) => (v !== null && Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const pct = (v: number | null) => (v !== null && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : 'n/a');

const CHOSEN = {
  'final-spread': 'where the runs\' final checkpoints disagree most (spread of their final log-probs)',
  'total-change': 'whose log-prob changed most from the first checkpoint to the last',
  named: 'named on the command line',
} as const;

/** curves.md: how the tokens were chosen and judged, the share of each class per run, and the examples. */
export function curvesMarkdown(s: CurvesSummary): string {
  const spread = s.tokens.map((t) => t.disagreement);
  const lines = [
    `# Per-token loss curves (${s.suite})`,
    '',
    `Corpus ${s.corpus.id} (${s.corpus.source}): the ${s.tokens.length} tokens ${CHOSEN[s.chosenBy]}` +
      (spread.length > 0 ? `, ${num(Math.min(...spread))}–${num(Math.max(...spread))} nats.` : '.'),
    `Each run's loss on each token is fitted in x = ln(1 + step / ${s.axis.s0}) by a logistic (a transition between two plateaus, 4 parameters)`,
    'and by a smooth monotone curve (start + slope·(e^(bend·x) − 1)/bend, 3 parameters). A curve is **S-shaped** when the logistic\'s BIC',
    `is lower by more than ${s.rule.bicMargin} and its midpoint has at least two checkpoints on each side; otherwise **smooth**.`,
    `A **poor fit** is a curve, of either class, whose winning fit explains less than ${pct(s.rule.poorFitR2)} of its variance: noise, or a rise and fall neither model has.`,
    '',
    '## Share per run',
    '',
    '| run | checkpoints | curves | S-shaped | of which loss rises | smooth | poor fits | median midpoint step (S-shaped) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...s.runs.map((r) => `| ${r.run} | ${r.steps.length} | ${r.curves} | ${r.sShaped} (${pct(r.sShapedShare)}) | ${r.sShapedRising} | ${r.smooth} | ${r.poorFits} | ${num(r.medianMidpointStep, 0)} |`),
    '',
    `Tokens S-shaped in every run: ${s.crossRun.sShapedInEveryRun}, in some runs: ${s.crossRun.sShapedInSomeRuns}, in none: ${s.crossRun.sShapedInNoRun}.`,
    ...(s.crossRun.bestFinalRun === null ? [] : [
      `On each token, the run that ends with the lowest loss has an S-shaped curve ${pct(s.crossRun.bestFinalRun)} of the time; the run that ends highest, ${pct(s.crossRun.worstFinalRun)}.`,
    ]),
    '',
    ...exampleSection(s, 'S-shaped'),
    '',
    ...exampleSection(s, 'smooth'),
    '',
    '![example curves](curves.svg)',
  ];
  return `${lines.join('\n')}\n`;
}

function exampleSection(s: CurvesSummary, cls: CurveClass): string[] {
  const rows = s.examples[cls].map((e) => exampleCurve(s, e));
  const head = [`## ${cls === 'S-shaped' ? 'S-shaped' : 'Smooth'} examples`, ''];
  if (rows.length === 0) return [...head, '(none)'];
  return [
    ...head,
    `| run | loss first → last | ${cls === 'S-shaped' ? 'midpoint step | width (x)' : 'bend'} | R² | BIC logistic | BIC smooth | context | token | doc:pos |`,
    `|---|---|---:|${cls === 'S-shaped' ? '---:|' : ''}---:|---:|---:|---:|---|---|`,
    ...rows.map(({ t, c }) => `| ${c.run} | ${num(c.losses[0])} → ${num(c.losses.at(-1)!)} | ${cls === 'S-shaped' ? `${num(c.logistic.midpointStep, 0)} | ${num(c.logistic.width)}` : num(c.smooth.bend)} | ${num(c.r2)} | ${num(c.bic.logistic, 1)} | ${num(c.bic.smooth, 1)} | ${cell(t.context)} | ${tokenCell(t.token)} | ${t.doc}:${t.position} |`),
  ];
}

/** The token and run curve an example names. */
export function exampleCurve(s: CurvesSummary, e: CurveExample): { t: TokenCurves; c: RunCurve } {
  const t = s.tokens.find((x) => x.doc === e.doc && x.position === e.position)!;
  return { t, c: t.runs.find((r) => r.run === e.run)! };
}
