import type { ChartSpec } from '../../plot/chart.js';
import { stepToX, xToStep, type LogStepAxis } from './axis.js';
import type { CurveClass } from './classify.js';
import type { CurvesSummary, RunCurve } from './curves.js';
import { logisticAt } from './logistic.js';
import { exampleCurve } from './markdown.js';
import { smoothAt } from './smooth.js';

/** 1600 as 1.6k: checkpoint steps on a narrow axis. */
const STEP_LABEL = "datum.value >= 1000 ? format(datum.value / 1000, '~g') + 'k' : format(datum.value, 'd')";

/**
 * curves.svg as Vega-Lite: one panel per example token, S-shaped examples first, each with every
 * run's curve overlaid in the run's colour (do the seeds learn it alike, and when?): points are
 * measured losses, lines the winning fits, solid for a logistic (S-shaped), dashed for the smooth
 * curve. The x axis is a symlog scale with constant s0, exactly the axis the curves were fitted on.
 */
export function curvesChart(s: CurvesSummary): ChartSpec {
  const panels = (['S-shaped', 'smooth'] as const).flatMap((cls) => s.examples[cls].map((e) => ({ cls, ...exampleCurve(s, e) })));
  const label = (p: (typeof panels)[number]) => `"${shown(p.t.token)}" · ${p.t.doc}:${p.t.position} · ${p.cls} in ${p.c.run}`;
  const values = panels.flatMap((p) => p.t.runs.flatMap((c) => {
    const run = s.runs.find((r) => r.run === c.run)!;
    const base = { panel: label(p), run: c.run, fit: c.class };
    return [
      ...run.steps.map((step, i) => ({ ...base, kind: 'measured', step, loss: c.losses[i] })),
      ...fitLine(s.axis, run.steps, c).map(([step, loss]) => ({ ...base, kind: 'fit', step, loss })),
    ];
  }));
  const encoding = {
    x: { field: 'step', type: 'quantitative', title: 'step', scale: { type: 'symlog', constant: s.axis.s0 }, axis: { values: tickSteps(s.axis, s.runs[0]?.steps ?? []), labelExpr: STEP_LABEL } },
    y: { field: 'loss', type: 'quantitative', title: 'loss (nats)', scale: { zero: false } },
    color: { field: 'run', type: 'nominal', legend: { title: null, orient: 'top' } },
  } as const;
  const dash = { field: 'fit', type: 'nominal', scale: { domain: ['S-shaped', 'smooth'] satisfies CurveClass[], range: [[1, 0], [5, 3]] }, legend: { title: 'fit', orient: 'top' } } as const;
  return {
    title: { text: `${s.suite}: per-token loss over checkpoints, every run`, subtitle: 'points: measured loss; lines: each run\'s winning fit (solid: logistic, S-shaped; dashed: smooth curve)' },
    data: { values },
    columns: Math.max(1, s.examples['S-shaped'].length, s.examples.smooth.length),
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels.map(label), header: { labelLimit: 340, labelFontSize: 11 } },
    spec: {
      width: 240,
      height: 150,
      layer: [
        { transform: [{ filter: "datum.kind === 'fit'" }], mark: { type: 'line', strokeWidth: 2 }, encoding: { ...encoding, strokeDash: dash, detail: { field: 'run' } } },
        { transform: [{ filter: "datum.kind === 'measured'" }], mark: { type: 'point', filled: true, size: 30, opacity: 0.8 }, encoding },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** The winning fit at 60 points evenly spaced in x between the first and last checkpoint, as [step, loss]. */
function fitLine(axis: LogStepAxis, steps: readonly number[], c: RunCurve): [number, number][] {
  const [lo, hi] = [stepToX(axis, steps[0]), stepToX(axis, steps.at(-1)!)];
  return Array.from({ length: 60 }, (_, i) => {
    const x = lo + ((hi - lo) * i) / 59;
    return [xToStep(axis, x), c.class === 'S-shaped' ? logisticAt(c.logistic, x) : smoothAt(c.smooth, x)];
  });
}

/** Checkpoint steps as axis ticks, from the last back, skipping any closer than 1/7 of the axis to the one after it. */
function tickSteps(axis: LogStepAxis, steps: readonly number[]): number[] {
  const span = stepToX(axis, steps.at(-1) ?? 0) - stepToX(axis, steps[0] ?? 0);
  const ticks: number[] = [];
  for (const step of [...steps].reverse()) if (ticks.length === 0 || stepToX(axis, ticks[0]) - stepToX(axis, step) >= span / 7) ticks.unshift(step);
  return ticks;
}

const shown = (token: string) => token.replace(/ /g, '␣').replace(/\r?\n/g, '↵').replace(/\t/g, '→');
