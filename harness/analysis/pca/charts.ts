import type { ChartSpec } from '../../plot/chart.js';
import type { PcaSummary } from './analyse.js';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
/** Steps drawn as axis ticks when there are at most this many distinct ones; otherwise Vega picks. */
const MAX_STEP_TICKS = 12;

/**
 * loadings.svg: one panel per top component, each checkpoint's loading against its training
 * step, one line per run. The step axis is symlog: logarithmic for large steps, yet step 0 has a
 * place.
 */
export function loadingsChart(s: PcaSummary): ChartSpec {
  const panel = (c: PcaSummary['components'][number]) => `PC${c.component} (${pct(c.ratio)})`;
  const values = s.components.flatMap((c) => s.models.map((m, i) => ({ component: panel(c), run: m.run, step: m.step, loading: c.loadings[i] })));
  const steps = [...new Set(s.models.map((m) => m.step))].sort((a, b) => a - b);
  // Linear below the first positive step: 0 to it takes about the room of one doubling later on.
  const constant = Math.max(1, steps.find((step) => step > 0) ?? 1);
  return {
    title: `${s.suite}: loadings of the top components of per-token loss`,
    data: { values },
    facet: { row: { field: 'component', type: 'nominal', sort: s.components.map(panel), title: null } },
    spec: {
      width: 600,
      height: 150,
      layer: [
        {
          // One zero line per panel, not one per data row.
          transform: [{ aggregate: [{ op: 'count', as: 'n' }], groupby: ['component'] }],
          mark: { type: 'rule', color: '#999', strokeDash: [4, 3] },
          encoding: { y: { datum: 0 } },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: {
              field: 'step', type: 'quantitative', title: 'training step (symlog)', scale: { type: 'symlog', constant },
              axis: { format: 'd', labelAngle: 0, ...(steps.length <= MAX_STEP_TICKS ? { values: steps, labelOverlap: false } : {}) },
            },
            y: { field: 'loading', type: 'quantitative', title: 'loading' },
            color: { field: 'run', type: 'nominal', title: 'run' },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** variance.svg: each component's share of the variance, the first ten. */
export function varianceChart(s: PcaSummary): ChartSpec {
  const values = s.explained.slice(0, 10).map((e) => ({ component: `PC${e.component}`, share: e.ratio, label: pct(e.ratio) }));
  const x = { field: 'component', type: 'ordinal', sort: values.map((v) => v.component), title: null, axis: { labelAngle: 0 } } as const;
  return {
    title: `${s.suite}: share of the variance of per-token loss`,
    data: { values },
    width: 360,
    height: 200,
    layer: [
      { mark: 'bar', encoding: { x, y: { field: 'share', type: 'quantitative', title: 'share of variance', axis: { format: '.0%' } } } },
      { mark: { type: 'text', dy: -6 }, encoding: { x, y: { field: 'share', type: 'quantitative' }, text: { field: 'label' } } },
    ],
  };
}
