import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { classSummary } from '../../harness/analysis/scatter/class-summary.js';
import { averageRanks, pearson, spearman } from '../../harness/analysis/scatter/correlation.js';
import { scatterMarkdown } from '../../harness/analysis/scatter/markdown.js';
import { topOutliers } from '../../harness/analysis/scatter/outliers.js';
import { pickCheckpoint } from '../../harness/analysis/scatter/pick.js';
import type { ScatterSummary } from '../../harness/analysis/scatter/scatter.js';
import { scatterSvg, ticks } from '../../harness/analysis/scatter/svg.js';
import { seenEarlier, tokenClasses } from '../../harness/analysis/scatter/token-class.js';
import { scatterFolder } from '../../harness/analysis/scatter/write.js';
import type { Suite } from '../../harness/suite/suite.js';

describe('correlations', () => {
  it('Pearson: perfect linear is ±1, a hand-computed case is 0.5, a constant side is NaN', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [-3, -5, -7, -9])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 12);
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
    expect(pearson([1], [1])).toBeNaN();
    expect(() => pearson([1, 2], [1])).toThrow(/differ in length/);
  });

  it('Spearman: 1 on a monotone non-linear relation where Pearson is below 1', () => {
    const x = [1, 2, 3, 4, 5];
    const y = x.map((v) => v ** 3);
    expect(spearman(x, y)).toBeCloseTo(1, 12);
    expect(pearson(x, y)).toBeLessThan(0.99);
    expect(spearman(x, y.map((v) => -Math.exp(v / 10)))).toBeCloseTo(-1, 12);
  });

  it('average ranks for ties, and Spearman with ties = 3/sqrt(10)', () => {
    expect([...averageRanks([10, 20, 20, 30])]).toEqual([1, 2.5, 2.5, 4]);
    expect([...averageRanks([3, 1, 3, 3])]).toEqual([3, 1, 3, 3]);
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(3 / Math.sqrt(10), 12);
  });
});

describe('token classes', () => {
  it('tags known tokens', () => {
    expect(tokenClasses(',', false)).toEqual(['punctuation']);
    expect(tokenClasses('."', false)).toEqual(['punctuation']);
    expect(tokenClasses(' (', false)).toEqual(['punctuation']);
    expect(tokenClasses(' The', false)).toEqual(['capitalised']);
    expect(tokenClasses(' 2019', false)).toEqual(['digit']);
    expect(tokenClasses('A1', false)).toEqual(['capitalised', 'digit']);
    expect(tokenClasses('\n\n', false)).toEqual(['whitespace']);
    expect(tokenClasses(' ', true)).toEqual(['whitespace', 'seen-earlier']);
    expect(tokenClasses(' the', true)).toEqual(['seen-earlier']);
    expect(tokenClasses(' the', false)).toEqual(['other']);
  });

  it('seen earlier: the same id at an earlier position of the document', () => {
    expect(seenEarlier([5, 6, 5, 7, 6, 6])).toEqual([false, false, true, false, true, true]);
  });
});

describe('outliers and class summary', () => {
  const a = [0, -1, -5, -2, NaN, -3, -0.5];
  const b = [-1, -1, -1, -4, 0, -3, -2];
  // a - b: 1, 0, -4, 2, NaN, 0, 1.5

  it('takes the largest differences each way, skipping non-finite rows and zero differences', () => {
    expect(topOutliers(a, b, 2)).toEqual({ aBetter: [3, 6], bBetter: [2] });
    expect(topOutliers(a, b, 10)).toEqual({ aBetter: [3, 6, 0], bBetter: [2] });
  });

  it('per class: count, mean difference, share where A is higher, winner', () => {
    const classes = [['punctuation'], ['other'], ['digit'], ['digit'], ['other'], ['other'], ['punctuation', 'seen-earlier']] as const;
    const s = Object.fromEntries(classSummary(a, b, classes.map((c) => [...c])).map((c) => [c.class, c]));
    expect(s.all).toMatchObject({ count: 6, winner: 'A' });
    expect(s.all.meanDiff).toBeCloseTo(0.5 / 6, 12);
    expect(s.all.aWinShare).toBeCloseTo(3 / 6, 12);
    expect(s.punctuation).toMatchObject({ count: 2, meanDiff: 1.25, aWinShare: 1, winner: 'A' });
    expect(s.digit).toMatchObject({ count: 2, meanDiff: -1, aWinShare: 0.5, winner: 'B' });
    expect(s.other).toMatchObject({ count: 2, meanDiff: 0, aWinShare: 0, winner: 'tie' });
    expect(s.whitespace).toMatchObject({ count: 0, winner: 'tie' });
    expect(s.whitespace.meanDiff).toBeNaN();
  });
});

describe('scatter SVG', () => {
  const opts = { title: 'a vs b <r>', xLabel: 'x', yLabel: 'y' };
  const count = (svg: string, cls: string) => svg.split(`class="${cls}"`).length - 1;

  it('one circle per finite pair, a y = x line, a valid root element that resvg renders', () => {
    const svg = scatterSvg([-1, -2, -3, NaN], [-1.5, -2, -0.5, -1], opts);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(count(svg, 'point')).toBe(3);
    expect(count(svg, 'bin')).toBe(0);
    expect(count(svg, 'diagonal')).toBe(1);
    expect(svg).toContain('a vs b &lt;r&gt;');
    expect(new Resvg(svg).render().width).toBeGreaterThan(0);
  });

  it('beyond maxPoints, one square per non-empty bin', () => {
    const x = Array.from({ length: 5000 }, (_, i) => i % 4);
    const y = x.map((v) => (v === 3 ? 0 : v));
    // Bins of 0.3 over [0, 3]: (0,0), (3,3), (6,6), (9,0).
    const svg = scatterSvg(x, y, { ...opts, maxPoints: 100, bins: 10 });
    expect(count(svg, 'bin')).toBe(4);
    expect(count(svg, 'point')).toBe(0);
    expect(svg).toContain('5000 pairs in 4 of 10x10 bins');
    // The density scale runs from 1 to the fullest bin: 5000 / 4 = 1250 tokens.
    expect(svg).toMatch(/<g class="legend">.*tokens per bin/);
    expect(svg).toContain('text-anchor="end">1250</text></g>');
    expect(new Resvg(svg).render().height).toBeGreaterThan(0);
  });

  it('marked points are rings with their label, on the left of the ring near the right edge', () => {
    const svg = scatterSvg([-1, -2, -3], [-1.5, -2, -0.5], { ...opts, marked: [{ x: -3, y: -0.5, label: '" the" 4:2' }, { x: -1, y: -1.5, label: 'x<y' }, { x: NaN, y: 0, label: 'gone' }] });
    expect(count(svg, 'outlier')).toBe(2);
    expect(svg).toMatch(/class="outlier-label" [^>]*text-anchor="start"[^>]*>&quot; the&quot; 4:2<\/text>/);
    expect(svg).toMatch(/class="outlier-label" [^>]*text-anchor="end"[^>]*>x&lt;y<\/text>/);
    expect(svg).not.toContain('gone');
  });

  it('round ticks', () => {
    expect(ticks(-20.5, -0.01)).toEqual([-20, -15, -10, -5]);
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('picking checkpoints', () => {
  const ref = (step: number) => ({ step, name: `checkpoint-${step}`, fetch: async () => '' });
  const suite: Suite = { name: 's', runs: [{ name: 'seed-1', aliases: ['first'], checkpoints: [ref(0), ref(100), ref(4000)] }] };

  it('run@step, run@final, aliases', () => {
    expect(pickCheckpoint(suite, 'seed-1@final').label).toBe('seed-1@4000');
    expect(pickCheckpoint(suite, 'first@100').label).toBe('seed-1@100');
  });

  it('names the problem and the choices', () => {
    expect(() => pickCheckpoint(suite, 'seed-1')).toThrow(expect.objectContaining({ code: 'CHECKPOINT_INVALID' }));
    expect(() => pickCheckpoint(suite, 'seed-1@50')).toThrow(expect.objectContaining({ code: 'STEP_UNKNOWN', fix: 'Use one of: 0, 100, 4000, or final' }));
    expect(() => pickCheckpoint(suite, 'seed-9@0')).toThrow(expect.objectContaining({ code: 'RUN_UNKNOWN' }));
  });

  it('a safe folder name', () => {
    expect(scatterFolder('seed-1@4000', 'a/b c@1')).toBe('scatter-seed-1@4000-vs-a-b-c@1');
  });
});

describe('scatter markdown', () => {
  it('escapes table cells and shows spaces in tokens', () => {
    const o = { doc: 0, position: 3, tokenId: 1, token: ' *x|', context: 'a\nb', logprobA: -1, logprobB: -3, diff: 2, classes: ['punctuation' as const] };
    const side = (label: string) => ({ label, run: label, step: 0, meanLoss: 1 });
    const s: ScatterSummary = {
      suite: 'demo', corpus: { id: 'c', source: 'f' }, a: side('A'), b: side('B'), tokens: 1, pearson: NaN, spearman: 1, meanDiff: 2,
      outliers: { aBetter: [o], bBetter: [] }, classes: [],
    };
    const md = scatterMarkdown(s);
    expect(md).toContain('Pearson r = n/a, Spearman ρ = 1.000');
    expect(md).toContain('| 2.00 | -1.00 | -3.00 | a↵b | **␣\\*x\\|** | punctuation | 0:3 |');
  });
});
