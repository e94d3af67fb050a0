import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseCurves, type CurvesSummary } from '../../harness/analysis/curves/curves.js';
import { logStepAxis, stepToX, xToStep } from '../../harness/analysis/curves/axis.js';
import { chooseTokens, namedTokens } from '../../harness/analysis/curves/choose.js';
import { bic, classifyCurve, type CurveFit } from '../../harness/analysis/curves/classify.js';
import { curvesChart } from '../../harness/analysis/curves/chart-spec.js';
import { pickExamples } from '../../harness/analysis/curves/examples.js';
import { curvesJson } from '../../harness/analysis/curves/json.js';
import { curvesMarkdown } from '../../harness/analysis/curves/markdown.js';
import { crossRunShares, runShares } from '../../harness/analysis/curves/shares.js';
import { prng } from '../../harness/analysis/prng.js';
import { renderChart } from '../../harness/plot/chart.js';
import { selectGrid } from '../../harness/suite/select.js';
import type { Suite } from '../../harness/suite/suite.js';

/** The demo family's checkpoint steps. */
const STEPS = [0, 20, 50, 100, 200, 400, 700, 1000, 1600, 2500, 4000];
const X = STEPS.map((s) => Math.log1p(s / 20));
const N = STEPS.length;

/** Gaussian noise from the shared seeded generator (Box-Muller). */
function noise(seed: number, sd: number): () => number {
  const u = prng(seed);
  return () => sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

const logistic = (x: number, before: number, after: number, mid: number, width: number) => before + (after - before) / (1 + Math.exp(-(x - mid) / width));
/** BIC of a fit at the residual floor: n ln(0.001²) + k ln n. */
const floorBic = (k: number) => N * Math.log(1e-6) + k * Math.log(N);

describe('the log-step axis', () => {
  it('x = ln(1 + step / s0), s0 the smallest positive step: step 0 at 0, s0 at ln 2', () => {
    const axis = logStepAxis(STEPS);
    expect(axis.s0).toBe(20);
    expect(stepToX(axis, 0)).toBe(0);
    expect(stepToX(axis, 20)).toBeCloseTo(Math.LN2, 12);
    expect(stepToX(axis, 4000)).toBeCloseTo(Math.log(201), 12);
    expect(xToStep(axis, stepToX(axis, 1600))).toBeCloseTo(1600, 9);
    expect(logStepAxis([0]).s0).toBe(1);
  });
});

describe('classifying a loss curve', () => {
  it('BIC = n ln(RSS/n) + k ln n, with RSS/n floored at 0.001²', () => {
    expect(bic(2.2, 11, 3)).toBeCloseTo(11 * Math.log(0.2) + 3 * Math.log(11), 12);
    expect(bic(2.2, 11, 3)).toBeCloseTo(-10.5101, 4);
    expect(bic(0, 11, 4)).toBeCloseTo(-142.3790, 4);
  });

  it('a logistic S in log-step with small noise: S-shaped, its midpoint and levels recovered', () => {
    const e = noise(1, 0.02);
    const fit = classifyCurve(STEPS, X.map((x) => logistic(x, 3, 1, 3, 0.3) + e()));
    expect(fit.class).toBe('S-shaped');
    expect(fit.logistic.midpoint).toBeCloseTo(3, 1);
    expect(fit.logistic.midpointStep).toBeGreaterThan(340);
    expect(fit.logistic.midpointStep).toBeLessThan(420); // 20 (e³ − 1) = 381.7
    expect(fit.logistic.width).toBeCloseTo(0.3, 1);
    expect(fit.logistic.before).toBeCloseTo(3, 1);
    expect(fit.logistic.after).toBeCloseTo(1, 1);
    expect(fit.bic.smooth - fit.bic.logistic).toBeGreaterThan(20);
    expect(fit.r2).toBeGreaterThan(0.99);
  });

  it('an exact logistic: the fit reaches the residual floor, so its BIC is 11 ln(1e-6) + 4 ln 11', () => {
    const fit = classifyCurve(STEPS, X.map((x) => logistic(x, 7.7, 3, 2.5, 0.4)));
    expect(fit.class).toBe('S-shaped');
    expect(fit.logistic.rss).toBeLessThan(1e-10);
    expect(fit.bic.logistic).toBeCloseTo(floorBic(4), 6);
    expect(fit.bic.logistic).toBeCloseTo(-142.379, 3);
  });

  it('a straight line in log-step: smooth; exact, the smooth fit hits the floor with BIC 11 ln(1e-6) + 3 ln 11', () => {
    const exact = classifyCurve(STEPS, X.map((x) => 5 - 0.5 * x));
    expect(exact.class).toBe('smooth');
    expect(exact.smooth.rss).toBeLessThan(1e-10);
    expect(exact.bic.smooth).toBeCloseTo(floorBic(3), 6);
    expect(exact.bic.smooth).toBeCloseTo(-144.777, 3);
    expect(exact.smooth.slope).toBeCloseTo(-0.5, 6);
    const e = noise(2, 0.05);
    expect(classifyCurve(STEPS, X.map((x) => 5 - 0.5 * x + e())).class).toBe('smooth');
  });

  it('a smooth exponential decay in log-step (a power law in step) is smooth', () => {
    const e = noise(3, 0.02);
    const fit = classifyCurve(STEPS, X.map((x) => 1 + 3 * Math.exp(-x / 2) + e()));
    expect(fit.class).toBe('smooth');
    expect(fit.smooth.bend).toBeCloseTo(-0.5, 1);
    expect(fit.r2).toBeGreaterThan(0.99);
  });

  it('an exponential decay in raw step has two plateaus on a log-step axis, so it is S-shaped', () => {
    expect(classifyCurve(STEPS, STEPS.map((s) => 1 + 3 * Math.exp(-s / 500))).class).toBe('S-shaped');
  });

  it('a flat curve: both fits perfect, the smooth one wins by the extra parameter\'s ln 11', () => {
    const fit = classifyCurve(STEPS, STEPS.map(() => 2));
    expect(fit.class).toBe('smooth');
    expect(fit.bic.smooth).toBeCloseTo(floorBic(3), 9);
    expect(fit.bic.logistic - fit.bic.smooth).toBeCloseTo(Math.log(11), 9);
    expect(fit.r2).toBe(1);
  });

  it('a jump at the last checkpoint only is not an S: the midpoint needs two checkpoints on each side', () => {
    const fit = classifyCurve(STEPS, STEPS.map((s) => (s < 4000 ? 5 : 2)));
    expect(fit.logistic.midpoint).toBeGreaterThan(X[N - 2]);
    expect(fit.class).toBe('smooth');
  });

  it('the margin decides borderline curves', () => {
    const e = noise(4, 0.3);
    const y = X.map((x) => logistic(x, 3, 2, 2.5, 0.2) + e());
    const gap = (f: CurveFit) => f.bic.smooth - f.bic.logistic;
    const fit = classifyCurve(STEPS, y);
    expect(classifyCurve(STEPS, y, { margin: gap(fit) - 0.01 }).class).toBe('S-shaped');
    expect(classifyCurve(STEPS, y, { margin: gap(fit) + 0.01 }).class).toBe('smooth');
  });

  it('fewer than 5 checkpoints: a one-line error with a code and a fix', () => {
    expect(() => classifyCurve([0, 20, 50, 100], [1, 2, 3, 4])).toThrow(expect.objectContaining({ code: 'CHECKPOINTS_TOO_FEW' }));
    try {
      classifyCurve([0, 20, 50, 100], [1, 2, 3, 4]);
    } catch (e) {
      expect((e as { oneLine(): string }).oneLine()).toBe('a loss curve needs at least 5 checkpoints to tell an S from a smooth curve, got 4. Select more checkpoints, e.g. --checkpoints all or log:8');
    }
  });

  it('analyseCurves refuses a selection with fewer than 5 checkpoints before scoring anything', async () => {
    const ref = (step: number) => ({ step, name: `checkpoint-${step}`, fetch: async () => { throw new Error('fetched'); } });
    const suite: Suite = { name: 's', runs: [{ name: 'seed-1', checkpoints: STEPS.map(ref) }] };
    const cacheDir = mkdtempSync(join(tmpdir(), 'lmb-curves-'));
    const grid = selectGrid(suite, '0-50');
    expect(grid.map((g) => g.ref.step)).toEqual([0, 20, 50]);
    await expect(analyseCurves({ suite, cacheDir, grid })).rejects.toMatchObject({
      code: 'CHECKPOINTS_TOO_FEW',
      message: 'run seed-1 has 3 checkpoints selected (0, 20, 50); a loss curve needs at least 5 to tell an S from a smooth curve',
    });
    // Not even the token store (by default in the cache folder) was opened.
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('choosing tokens', () => {
  // Three runs, two checkpoints each (first, final), five rows; row 3 is planted: finals -1, -9, -2; row 4 is NaN in one run.
  const runs = [
    [Float32Array.of(-8, -8, -8, -8, -8), Float32Array.of(-1, -2, -3, -1, -5)],
    [Float32Array.of(-8, -8, -8, -8, -8), Float32Array.of(-2, -2, -4, -9, NaN)],
    [Float32Array.of(-8, -8, -8, -8, -8), Float32Array.of(-1.5, -3, -2.5, -2, -5)],
  ];

  it('by the spread of the runs\' final log-probs, skipping rows not finite everywhere', () => {
    expect(chooseTokens(runs, 2)).toEqual({ by: 'final-spread', rows: [3, 2], scores: [8, 1.5] });
    expect(chooseTokens(runs, 10).rows).toEqual([3, 2, 0, 1]);
  });

  it('one run: by its total change, ties to the earlier row', () => {
    expect(chooseTokens([runs[1]], 3)).toEqual({ by: 'total-change', rows: [0, 1, 2], scores: [6, 6, 4] });
  });

  it('named rows keep their order and get the same measure', () => {
    expect(namedTokens(runs, [1, 3])).toEqual({ by: 'named', rows: [1, 3], scores: [1, 8] });
  });
});

/** A summary of two runs over three tokens, fitted for real, as analyseCurves would make it. */
function summary(): CurvesSummary {
  const e = noise(5, 0.05);
  const shapes = [
    [X.map((x) => logistic(x, 7.7, 2, 3, 0.2) + e()), X.map((x) => 7.7 - 0.4 * x + e())],
    [X.map((x) => logistic(x, 7.7, 13, 3.5, 0.15) + e()), X.map((x) => logistic(x, 7.7, 3, 2, 0.2) + e())],
    [X.map((x) => 7.7 + 0.1 * x + e()), X.map((x) => 7.7 + 0.02 * Math.exp(x) + e())],
  ];
  const tokens = shapes.map(([a, b], i) => ({
    doc: i, position: 3 + i, tokenId: 10 + i, token: [' the', '|x', '\n'][i], context: `ctx ${i}\n`, disagreement: 9 - i,
    runs: [{ run: 'seed-1', losses: a, ...classifyCurve(STEPS, a) }, { run: 'seed-2', losses: b, ...classifyCurve(STEPS, b) }],
  }));
  const ex = pickExamples(tokens.map((t) => t.runs), 2);
  const named = (c: { token: number; run: number }) => ({ doc: tokens[c.token].doc, position: tokens[c.token].position, run: tokens[c.token].runs[c.run].run });
  return {
    suite: 'demo', corpus: { id: 'c', source: 'corpus.txt' }, axis: { s0: 20 }, rule: { bicMargin: 2, residualRmsFloor: 0.001, poorFitR2: 0.5, minCheckpoints: 5 },
    chosenBy: 'final-spread',
    runs: ['seed-1', 'seed-2'].map((run, r) => runShares(run, STEPS, tokens.map((t) => t.runs[r]))),
    crossRun: crossRunShares(tokens.map((t) => t.runs)),
    tokens,
    examples: { 'S-shaped': ex['S-shaped'].map(named), smooth: ex.smooth.map(named) },
  };
}

describe('shares and examples', () => {
  const s = summary();

  it('counts each class per run, the rising S curves, and the median midpoint', () => {
    expect(s.tokens.map((t) => t.runs.map((r) => r.class))).toEqual([['S-shaped', 'smooth'], ['S-shaped', 'S-shaped'], ['smooth', 'smooth']]);
    expect(s.runs[0]).toMatchObject({ run: 'seed-1', curves: 3, sShaped: 2, sShapedRising: 1, smooth: 1, poorFits: 0 });
    expect(s.runs[0].sShapedShare).toBeCloseTo(2 / 3, 12);
    // Midpoints at x = 3 and 3.5: steps 20 (e³ − 1) and 20 (e^3.5 − 1), median their mean.
    expect(s.runs[0].medianMidpointStep).toBeCloseTo((20 * Math.expm1(3) + 20 * Math.expm1(3.5)) / 2, -1);
    expect(s.runs[1]).toMatchObject({ sShaped: 1, sShapedRising: 0, medianMidpointStep: expect.closeTo(20 * Math.expm1(2), -1) });
  });

  it('across runs: S in every run, in some, in none; and by which run ends lowest', () => {
    expect(s.crossRun).toMatchObject({ sShapedInEveryRun: 1, sShapedInSomeRuns: 1, sShapedInNoRun: 1 });
    // Lowest final loss: token 0 seed-1 (S), token 1 seed-2 (S), token 2 seed-1 (smooth).
    expect(s.crossRun.bestFinalRun).toBeCloseTo(2 / 3, 12);
    expect(s.crossRun.worstFinalRun).toBeCloseTo(1 / 3, 12);
  });

  it('examples: S curves falling and rising in turn by BIC gap, smooth ones from other tokens', () => {
    expect(s.examples['S-shaped'].map((e) => e.doc)).toHaveLength(2);
    expect(new Set(s.examples['S-shaped'].map((e) => e.doc)).size).toBe(2);
    const falls = s.examples['S-shaped'].map((e) => {
      const c = s.tokens[e.doc].runs.find((r) => r.run === e.run)!;
      return c.losses.at(-1)! < c.losses[0];
    });
    expect(falls).toEqual([true, false]);
    expect(s.examples.smooth.map((e) => e.doc)).toEqual([2]);
  });
});

describe('writing curves', () => {
  const s = summary();

  it('curves.json: five significant digits, leaf arrays and objects on one line, parses back', () => {
    const json = curvesJson(s);
    expect(json).toMatch(/"steps": \[0, 20, 50, 100, 200, 400, 700, 1000, 1600, 2500, 4000\]/);
    expect(json).toMatch(/"losses": \[7\.\d{1,4}, /);
    expect(json).toContain('"residualRmsFloor": 0.001');
    const back = JSON.parse(json);
    expect(back.tokens[0].runs[0]).toMatchObject({ run: 'seed-1', class: 'S-shaped' });
    expect(Object.keys(back.tokens[0].runs[0])).toEqual(['run', 'losses', 'class', 'bic', 'r2', 'logistic', 'smooth']);
    expect(back.tokens[0].runs[0].logistic.midpoint).toBe(Number(s.tokens[0].runs[0].logistic.midpoint.toPrecision(5)));
    expect(json).toMatch(/^ {10}"bic": \{"logistic": -?\d+\.\d+, "smooth": -?\d+\.\d+\},$/m);
    expect(curvesJson({ ...s, axis: { s0: 1.23456789e-7 } })).toContain('"axis": {"s0": 1.2346e-7}');
  });

  it('curves.md: the share table and example rows, cells escaped', () => {
    const md = curvesMarkdown(s);
    expect(md).toContain('| seed-1 | 11 | 3 | 2 (66.7%) | 1 | 1 | 0 |');
    expect(md).toContain('Tokens S-shaped in every run: 1, in some runs: 1, in none: 1.');
    expect(md).toMatch(/\| seed-1 \| 7\.\d\d → 1[23]\.\d\d \| \d+ \| 0\.\d\d \| .* \| ctx 1↵ \| \*\*\\\|x\*\* \| 1:4 \|/);
    expect(md).toContain('![example curves](curves.svg)');
  });

  it('curves.svg: one panel per example token, every run overlaid with its points and fitted line', async () => {
    const svg = await renderChart(curvesChart(s));
    expect(svg).toContain('"␣the" · 0:3 · S-shaped in seed-1');
    expect(svg).toContain('"↵" · 2:5 · smooth in seed-2');
    // 3 example tokens x 2 runs: a fitted line and the measured points for each.
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(3 * 2);
    expect(svg.match(/aria-roledescription="point"/g)?.length).toBeGreaterThanOrEqual(3 * 2 * STEPS.length);
    expect(svg).toContain('>seed-1</text>');
    expect(svg).toContain('>seed-2</text>');
  }, 30_000);
});
