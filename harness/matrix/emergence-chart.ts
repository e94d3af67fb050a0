/** emergence.svg: behaviours as rows, each run a point at its half-rise step on a log-step axis, with its interval. */
import type { ChartSpec } from '../plot/chart.js';
import type { Emergence } from './emergence.js';

export function emergenceChart(suite: string, rows: readonly Emergence[]): ChartSpec {
  const values = rows.filter((e) => e.step !== null).map((e) => ({ behaviour: e.behaviour, run: e.run, step: e.step, low: e.low ?? e.step, high: e.high ?? e.step }));
  const risen = new Set(values.map((v) => v.behaviour));
  const flat = [...new Set(rows.map((e) => e.behaviour))].filter((b) => !risen.has(b));
  // A half-rise step lies between two checkpoints, so it is never 0: a log axis fits.
  const x = { type: 'quantitative', title: 'training step (log): where the pass rate crosses half its rise', scale: { type: 'log' } } as const;
  const y = { field: 'behaviour', type: 'nominal', title: null, sort: 'ascending' } as const;
  const color = { field: 'run', type: 'nominal', title: 'run' } as const;
  return {
    title: {
      text: `${suite}: when each behaviour emerges`,
      subtitle: `each run's half-rise step, with its 95% interval over probes${flat.length ? ` · no rise in any run: ${flat.join(', ')}` : ''}`,
    },
    data: { values },
    width: 600,
    // With yOffset the step is one run's row within a behaviour.
    height: { step: 14 },
    layer: [
      { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: { ...x, field: 'low' }, x2: { field: 'high' }, y, yOffset: { field: 'run' }, color } },
      { mark: { type: 'point', filled: true, size: 40 }, encoding: { x: { ...x, field: 'step' }, y, yOffset: { field: 'run' }, color } },
    ],
  };
}
