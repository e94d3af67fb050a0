import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analysePca, type PcaSummary } from '../../harness/analysis/pca/analyse.js';
import { loadingsChart, varianceChart } from '../../harness/analysis/pca/charts.js';
import { principalComponents } from '../../harness/analysis/pca/components.js';
import { covariance } from '../../harness/analysis/pca/covariance.js';
import { symmetricEigen } from '../../harness/analysis/pca/eigen.js';
import { pcaMarkdown } from '../../harness/analysis/pca/markdown.js';
import { selectModels } from '../../harness/analysis/pca/models.js';
import { componentScores, scoreEnds } from '../../harness/analysis/pca/scores.js';
import { prng } from '../../harness/analysis/prng.js';
import { renderChart } from '../../harness/plot/chart.js';
import type { Suite } from '../../harness/suite/suite.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));

/** Orthonormal vectors from seeded random ones by Gram-Schmidt. */
function orthonormal(count: number, dim: number, random: () => number): Float64Array[] {
  const out: Float64Array[] = [];
  while (out.length < count) {
    const v = Float64Array.from({ length: dim }, () => random() - 0.5);
    for (const u of out) {
      const d = dot(v, u);
      v.forEach((x, i) => (v[i] = x - d * u[i]));
    }
    const norm = Math.sqrt(dot(v, v));
    out.push(v.map((x) => x / norm));
  }
  return out;
}

/** The sign convention applied to a known vector: its largest-magnitude entry positive. */
const conventional = (u: Float64Array) => {
  const big = Array.from(u).reduce((b, x, i) => (Math.abs(x) > Math.abs(u[b]) ? i : b), 0);
  return u[big] < 0 ? u.map((x) => -x) : u;
};

describe('symmetric eigen-decomposition', () => {
  it('a hand-solved 3 x 3: eigenvalues 5, 3, 1, and A v = λ v with orthonormal v', () => {
    const a = [[2, 1, 0], [1, 2, 0], [0, 0, 5]];
    const { values, vectors } = symmetricEigen(a);
    expect([...values].map((v) => Number(v.toFixed(12)))).toEqual([5, 3, 1]);
    vectors.forEach((v, k) => {
      const av = a.map((row) => dot(row, v));
      expect(maxAbsDiff(av, v.map((x) => x * values[k]))).toBeLessThan(1e-12);
      vectors.forEach((w, j) => expect(dot(v, w)).toBeCloseTo(k === j ? 1 : 0, 12));
    });
    expect(Math.abs(vectors[1][0])).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('a diagonal matrix needs no rotation; ties keep index order', () => {
    const { values, vectors } = symmetricEigen([[1, 0, 0], [0, 4, 0], [0, 0, 1]]);
    expect([...values]).toEqual([4, 1, 1]);
    expect(vectors.map((v) => [...v])).toEqual([[0, 1, 0], [1, 0, 0], [0, 0, 1]]);
  });
});

describe('principal components', () => {
  // 8 models x 4000 tokens: three known orthonormal loadings with standard deviations 3, 2, 1,
  // token scores that are exactly centred and orthogonal (cosines and a sine over whole periods),
  // a mean loss per model, and uniform noise of ±1e-6.
  const [models, tokens, sd] = [8, 4000, [3, 2, 1]];
  const random = prng(7);
  const loadings = orthonormal(3, models, random);
  const offsets = Float64Array.from({ length: models }, () => 2 + 6 * random());
  const wave = (k: number, i: number) => Math.SQRT2 * [Math.cos, Math.sin, Math.cos][k]((2 * Math.PI * (k === 2 ? 2 : 1) * i) / tokens);
  const z = sd.map((s, k) => Float64Array.from({ length: tokens }, (_, i) => s * wave(k, i)));
  const columns = Array.from({ length: models }, (_, m) =>
    Float64Array.from({ length: tokens }, (_, i) => offsets[m] + sd.reduce((sum, _s, k) => sum + z[k][i] * loadings[k][m], 0) + 2e-6 * (random() - 0.5)));

  it('recovers the loadings (in the sign convention), the variances and the explained-variance ratios', () => {
    const pc = principalComponents(columns);
    expect(pc.rows).toBe(tokens);
    expect(maxAbsDiff(pc.means, offsets)).toBeLessThan(1e-6);
    const total = sd.reduce((s, x) => s + x * x, 0);
    sd.forEach((s, k) => {
      expect(maxAbsDiff(pc.loadings[k], conventional(loadings[k]))).toBeLessThan(1e-6);
      expect(pc.variances[k] / ((s * s * tokens) / (tokens - 1))).toBeCloseTo(1, 6);
      expect(pc.ratios[k]).toBeCloseTo((s * s) / total, 6);
    });
    expect(Math.max(...pc.ratios.slice(3))).toBeLessThan(1e-9);
    expect(pc.ratios.reduce((s, r) => s + r, 0)).toBeCloseTo(1, 12);
    pc.loadings.forEach((v, k) => pc.loadings.forEach((w, j) => expect(dot(v, w)).toBeCloseTo(k === j ? 1 : 0, 10)));
  });

  it('token scores on a component are the known scores', () => {
    const pc = principalComponents(columns);
    sd.forEach((_, k) => {
      const sign = Math.sign(dot(pc.loadings[k], loadings[k]));
      expect(maxAbsDiff(componentScores(columns, pc.means, pc.loadings[k]), z[k].map((x) => sign * x))).toBeLessThan(1e-4);
    });
  });

  it('the sign convention does not depend on the order of tokens or of models', () => {
    const pc = principalComponents(columns);
    const order = Array.from({ length: tokens }, (_, i) => (i * 2654435761) % tokens);
    const shuffled = principalComponents(columns.map((c) => Float64Array.from(order, (i) => c[i])));
    const reversed = principalComponents([...columns].reverse());
    for (let k = 0; k < 3; k++) {
      expect(maxAbsDiff(shuffled.loadings[k], pc.loadings[k])).toBeLessThan(1e-10);
      expect(maxAbsDiff([...reversed.loadings[k]].reverse(), pc.loadings[k])).toBeLessThan(1e-10);
      const big = Math.max(...pc.loadings[k].map(Math.abs));
      expect(pc.loadings[k].find((x) => Math.abs(x) === big)).toBeGreaterThan(0);
    }
  });

  it('fewer tokens than models: rank tokens - 1, the rest zero variance, loadings still orthonormal', () => {
    const pc = principalComponents([[1, 2, 4], [0, 1, 0], [3, 3, 5], [2, 0, 1], [5, 1, 1]]);
    expect(pc.variances.slice(2).every((v) => v < 1e-12)).toBe(true);
    expect(pc.variances[1]).toBeGreaterThan(0.1);
    expect(pc.ratios.reduce((s, r) => s + r, 0)).toBeCloseTo(1, 12);
    pc.loadings.forEach((v, k) => pc.loadings.forEach((w, j) => expect(dot(v, w)).toBeCloseTo(k === j ? 1 : 0, 10)));
  });

  it('a constant column gets zero loading on every component with variance; all constant gives ratios 0, not NaN', () => {
    const pc = principalComponents([[1, 2, 3, 5], [4, 4, 4, 4], [2, 1, 0, 0]]);
    expect(pc.means[1]).toBe(4);
    expect(covariance([[1, 2, 3, 5], [4, 4, 4, 4]])[1]).toEqual(Float64Array.from([0, 0]));
    for (let k = 0; k < 2; k++) expect(Math.abs(pc.loadings[k][1])).toBeLessThan(1e-12);
    expect(pc.variances[2]).toBe(0);
    const flat = principalComponents([[3, 3, 3], [1, 1, 1]]);
    expect(flat.totalVariance).toBe(0);
    expect([...flat.ratios]).toEqual([0, 0]);
    expect(() => principalComponents([[1], [2]])).toThrow(/at least 2 rows/);
  });
});

describe('score ends', () => {
  it('highest first, lowest first, never the same row twice, ties in row order', () => {
    expect(scoreEnds([0, 5, -2, 5, 1, -2], 2)).toEqual({ high: [1, 3], low: [2, 5] });
    expect(scoreEnds([1, 2, 3], 2)).toEqual({ high: [2, 1], low: [0] });
  });

  it('skips a row whose key an earlier pick has', () => {
    const keys = ['a', 'b', 'a', 'c', 'b'];
    expect(scoreEnds([9, 8, 9, 1, 0], 2, (r) => keys[r])).toEqual({ high: [0, 1], low: [3] });
  });
});

describe('choosing checkpoints', () => {
  const ref = (step: number) => ({ step, name: `checkpoint-${step}`, fetch: async () => '' });
  const run = (name: string) => ({ name, checkpoints: [ref(0), ref(100), ref(4000)] });
  const suite: Suite = { name: 's', runs: [run('seed-1'), run('seed-2')] };

  it('runs in suite order, then steps; the --checkpoints syntax', () => {
    expect(selectModels(suite).map((m) => m.label)).toEqual(['seed-1@0', 'seed-1@100', 'seed-1@4000', 'seed-2@0', 'seed-2@100', 'seed-2@4000']);
    expect(selectModels(suite, { runs: ['seed-2', 'seed-1'], checkpoints: 'final' }).map((m) => m.label)).toEqual(['seed-1@4000', 'seed-2@4000']);
  });

  it('names the unknown run or step, or too few checkpoints, and the fix', () => {
    expect(() => selectModels(suite, { runs: ['seed-9'] })).toThrow(expect.objectContaining({ code: 'RUN_UNKNOWN' }));
    expect(() => selectModels(suite, { checkpoints: '50' })).toThrow(expect.objectContaining({ code: 'STEP_UNKNOWN' }));
    expect(() => selectModels(suite, { runs: ['seed-1'], checkpoints: 'final' })).toThrow(expect.objectContaining({
      code: 'CHECKPOINTS_TOO_FEW', message: expect.stringMatching(/at least 2 checkpoints; runs seed-1 .* give 1 \(seed-1@4000\)/) }));
  });

  it('more components than checkpoints fails before anything is scored', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'lmb-pca-'));
    await expect(analysePca({ suite, cacheDir, checkpoints: 'final', components: 3, store: '/nonexistent/dir/x.duckdb' }))
      .rejects.toThrow(expect.objectContaining({ code: 'COMPONENTS_TOO_MANY', message: '--components 3 is not between 1 and the 2 checkpoints selected' }));
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('pca.md and the charts', () => {
  const t = { doc: 3, position: 7, tokenId: 1, token: ' *x|', context: 'a\nb', score: 2.5, meanLoss: 3, lossFirstStep: 7.7, lossLastStep: 0.5 };
  const summary: PcaSummary = {
    suite: 'demo', corpus: { id: 'c', source: 'f.txt' }, tokens: 10, skippedTokens: 0,
    models: [{ run: 'seed-1', step: 0, meanLoss: 7 }, { run: 'seed-1', step: 100, meanLoss: 5 }, { run: 'seed-2', step: 100, meanLoss: 5 }],
    firstStep: 0, lastStep: 100, totalVariance: 2, signConvention: 'largest positive',
    explained: [{ component: 1, variance: 1.5, ratio: 0.75, cumulative: 0.75 }, { component: 2, variance: 0.5, ratio: 0.25, cumulative: 1 }, { component: 3, variance: 0, ratio: 0, cumulative: 1 }],
    components: [{ component: 1, variance: 1.5, ratio: 0.75, cumulative: 0.75, loadings: [0.1, 0.7, 0.7], high: [t], low: [] }],
  };

  it('variance table, loadings by run and step (blank where a run lacks the step), escaped end tokens', () => {
    const md = pcaMarkdown(summary);
    expect(md).toContain('| 1 | 1.500 | 75.0% | 75.0% |');
    expect(md).toContain('## Component 1 (75.0% of the variance)');
    expect(md).toContain('| seed-1 | 0.100 | 0.700 |');
    expect(md).toContain('| seed-2 |  | 0.700 |');
    expect(md).toContain('| score | mean loss | loss @0 | loss @100 | context | token | doc:pos |');
    expect(md).toContain('| 2.50 | 3.00 | 7.70 | 0.50 | a↵b | **␣\\*x\\|** | 3:7 |');
    expect(md).toContain('(none)');
  });

  it('loadings: one line per run per component; variance: one bar per component', async () => {
    const lines = (await renderChart(loadingsChart(summary))).match(/aria-roledescription="line mark"/g);
    expect(lines).toHaveLength(2);
    const bars = (await renderChart(varianceChart(summary))).match(/aria-roledescription="bar"/g);
    expect(bars).toHaveLength(3);
  });
});
