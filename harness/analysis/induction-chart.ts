/** induction.svg: the ICL score and the best head's prefix-matching score over training, one line per run. */
import type { ChartSpec } from '../plot/chart.js';
import type { RunInduction } from './induction.js';

export const ICL_PANEL = 'ICL score (nats, lower: more in-context learning)';
export const PREFIX_PANEL = 'best head\'s prefix-matching score';
/** Steps drawn as axis ticks when there are at most this many distinct ones; otherwise Vega picks. */
const MAX_STEP_TICKS = 12;

type Panel = Extract<ChartSpec, { vconcat: unknown }>['vconcat'][number];

/**
 * Two panels against training step on a symlog axis (logarithmic for large steps, yet step 0
 * has a place); a dashed rule in the run's colour marks its phase change, where it has one.
 */
export function inductionChart(suite: string, runs: readonly RunInduction[]): ChartSpec {
  const values = runs.flatMap((r) => r.checkpoints.flatMap((c) => {
    const phase = r.phaseChange?.step === c.step;
    return [
      { panel: ICL_PANEL, run: r.run, step: c.step, value: c.iclScore, phase },
      { panel: PREFIX_PANEL, run: r.run, step: c.step, value: Math.max(...c.prefixMatching.flat()), phase },
    ];
  }));
  const steps = [...new Set(values.map((v) => v.step))].sort((a, b) => a - b);
  const axis = steps.length <= MAX_STEP_TICKS ? { values: steps, labelAngle: 0, labelOverlap: 'greedy' as const } : {};
  const x = { field: 'step', type: 'quantitative', title: 'training step (symlog)', scale: { type: 'symlog' }, axis } as const;
  const color = { field: 'run', type: 'nominal', title: 'run' } as const;
  const phased = runs.filter((r) => r.phaseChange);
  const uniform = [...new Set(runs.map((r) => r.uniformPrefixMatching))].map((u) => ({ uniform: Math.round(u * 1e4) / 1e4 }));
  // A dotted grey line: what a head attending uniformly to every token so far scores.
  const chance: Extract<Panel, { layer: unknown }>['layer'][number] = {
    data: { values: uniform }, mark: { type: 'rule', strokeDash: [2, 2], color: '#888' },
    encoding: { y: { field: 'uniform', type: 'quantitative', title: 'uniform attention' } },
  };
  const panel = (title: string, domain?: [number, number], extra: Extract<Panel, { layer: unknown }>['layer'] = []): Panel => ({
    title: { text: title, anchor: 'start', fontSize: 12 },
    width: 600,
    height: 170,
    transform: [{ filter: { field: 'panel', equal: title } }],
    layer: [
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'value', type: 'quantitative', title: null, scale: domain && { domain } }, color } },
      { transform: [{ filter: 'datum.phase' }], mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.5 }, encoding: { x, color } },
      ...extra,
    ],
  });
  return {
    title: {
      text: `${suite}: induction heads over training`,
      subtitle: phased.length
        ? phased.map((r) => `${r.run}: phase change at step ${r.phaseChange!.step}`).join(' · ')
        : 'no phase change in any run',
    },
    data: { values },
    // The prefix-matching score is a share of attention: on 0-1, a head at chance stays near the floor.
    vconcat: [panel(ICL_PANEL), panel(PREFIX_PANEL, [0, 1], [chance])],
    resolve: { scale: { x: 'shared' } },
  };
}
