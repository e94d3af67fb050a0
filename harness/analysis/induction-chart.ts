/** induction.svg: the ICL score and the best head's prefix-matching score over training, one line per run. */
import { TOKEN_COUNT_LABELS, type ChartSpec } from '../plot/chart.js';
import { stepText } from './induction-report.js';
import type { RunInduction } from './induction.js';

export const ICL_PANEL = 'ICL score (nats, lower: more in-context learning)';
export const PREFIX_PANEL = 'best head\'s prefix-matching score';
/** Steps drawn as axis ticks when there are at most this many distinct ones; otherwise Vega picks. */
const MAX_STEP_TICKS = 12;

type Panel = Extract<ChartSpec, { vconcat: unknown }>['vconcat'][number];

export interface InductionChartOptions {
  /** `tokens`: tokens seen (step x the run's tokensPerStep), which puts families with different batches on one axis. Default `step`. */
  axis?: 'step' | 'tokens';
}

/**
 * Two panels against training step (or tokens seen) on a symlog axis (logarithmic for large
 * steps, yet step 0 has a place); a dashed rule in the run's colour marks its phase change, where
 * it has one.
 */
export function inductionChart(title: string, runs: readonly RunInduction[], opts: InductionChartOptions = {}): ChartSpec {
  const tokens = opts.axis === 'tokens';
  const unknown = runs.find((r) => tokens && !r.tokensPerStep);
  if (unknown) throw new Error(`inductionChart: run ${unknown.run} has no tokensPerStep for a tokens axis`);
  const field = tokens ? 'tokens' : 'step';
  const xOf = (r: RunInduction, step: number) => (tokens ? step * r.tokensPerStep! : step);
  const values = runs.flatMap((r) => r.checkpoints.flatMap((c) => {
    const phase = r.phaseChange?.step === c.step;
    const at = { [field]: xOf(r, c.step) };
    return [
      { panel: ICL_PANEL, run: r.run, ...at, value: c.iclScore, phase },
      { panel: PREFIX_PANEL, run: r.run, ...at, value: Math.max(...c.prefixMatching.flat()), phase },
    ];
  }));
  const ticks = [...new Set(runs.flatMap((r) => r.checkpoints.map((c) => xOf(r, c.step))))].sort((a, b) => a - b);
  const axis = ticks.length <= MAX_STEP_TICKS ? { values: ticks, labelAngle: 0, labelOverlap: 'greedy' as const } : {};
  const x = { field, type: 'quantitative', title: tokens ? 'tokens seen (symlog)' : 'training step (symlog)', scale: { type: 'symlog' }, axis: tokens ? { ...axis, labelExpr: TOKEN_COUNT_LABELS } : axis } as const;
  const color = { field: 'run', type: 'nominal', title: 'run', legend: { labelLimit: 320 } } as const;
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
      text: `${title}: induction heads over training`,
      subtitle: phased.length
        ? phased.map((r) => `${r.run}: phase change at ${tokens ? stepText(r, r.phaseChange!.step) : `step ${r.phaseChange!.step}`}`).join(' · ')
        : 'no phase change in any run',
    },
    data: { values },
    // The prefix-matching score is a share of attention: on 0-1, a head at chance stays near the floor.
    vconcat: [panel(ICL_PANEL), panel(PREFIX_PANEL, [0, 1], [chance])],
    resolve: { scale: { x: 'shared' } },
  };
}
