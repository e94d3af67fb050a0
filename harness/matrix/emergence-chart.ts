/**
 * emergence.svg: behaviours as rows, each run a point at its half-rise step on a log-step axis,
 * with its interval; a last row puts each run's induction phase change between the two
 * checkpoints where it happened.
 */
import { TOKEN_COUNT_LABELS, type ChartSpec } from '../plot/chart.js';
import type { EmergenceInputs } from './emergence-inputs.js';

export const PHASE_CHANGE_ROW = 'induction heads (phase change)';

export interface EmergenceChartOptions {
  /** Per run, training tokens per step: the axis becomes tokens seen, which puts families with different batches on one axis. */
  tokensPerStep?: ReadonlyMap<string, number>;
}

export function emergenceChart(title: string, inputs: Partial<EmergenceInputs> & Pick<EmergenceInputs, 'emergence'>, opts: EmergenceChartOptions = {}): ChartSpec {
  const tps = opts.tokensPerStep;
  const at = (run: string, step: number) => {
    if (!tps) return step;
    const n = tps.get(run);
    if (n === undefined) throw new Error(`emergenceChart: no tokens per step for run ${run}`);
    return step * n;
  };
  const rows = inputs.emergence;
  const behaviours = rows.filter((e) => e.step !== null).map((e) => ({
    behaviour: e.behaviour, run: e.run, step: at(e.run, e.step!), low: at(e.run, e.low ?? e.step!), high: at(e.run, e.high ?? e.step!),
  }));
  const phases = (inputs.phaseChanges ?? []).map((p) => ({ behaviour: PHASE_CHANGE_ROW, run: p.run, step: at(p.run, p.step), low: at(p.run, p.from), high: at(p.run, p.step) }));
  const values = [...behaviours, ...phases];
  const risen = new Set(behaviours.map((v) => v.behaviour));
  const flat = [...new Set(rows.map((e) => e.behaviour))].filter((b) => !risen.has(b));
  const notes = [
    ...(flat.length ? [`no rise in any run: ${flat.join(', ')}`] : []),
    ...(inputs.inductionRuns?.length && phases.length === 0 ? ['induction heads: no phase change in any run'] : []),
  ];
  const what = tps ? 'tokens seen' : 'training step';
  // A half-rise step lies between two checkpoints, so it is never 0: a log axis fits, unless a
  // phase change starts from step 0 (then symlog, on which 0 has a place).
  const scale = values.some((v) => v.low === 0) ? { type: 'symlog' } as const : { type: 'log' } as const;
  const x = {
    type: 'quantitative', title: `${what} (${scale.type}): where the pass rate crosses half its rise`, scale,
    ...(tps ? { axis: { labelExpr: TOKEN_COUNT_LABELS } } : {}),
  } as const;
  const y = { field: 'behaviour', type: 'nominal', title: null, sort: 'ascending', axis: { labelLimit: 260 } } as const;
  const color = { field: 'run', type: 'nominal', title: 'run', legend: { labelLimit: 320 } } as const;
  return {
    title: {
      text: `${title}: when each behaviour emerges`,
      subtitle: [`each run's half-rise step, with its 95% interval over probes${phases.length ? '; the phase change between the checkpoints it falls between' : ''}`, ...notes],
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
