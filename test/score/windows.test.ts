import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planWindows } from '../../harness/score/windows.js';
import { planBatches } from '../../harness/score/batches.js';

describe('planWindows', () => {
  it('scores every position 1..n-1 exactly once, within the context, with at least context - stride tokens before it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 2, max: 64 }), fc.integer({ min: 1, max: 80 }), (n, context, stride) => {
        const windows = planWindows(n, context, stride);
        const seen = new Array(n).fill(0);
        for (const w of windows) {
          expect(w.end - w.start).toBeLessThanOrEqual(context);
          expect(w.start).toBeGreaterThanOrEqual(0);
          for (let t = w.scoreFrom; t < w.end; t++) {
            seen[t]++;
            expect(t - w.start).toBeGreaterThanOrEqual(Math.min(t, context - Math.min(stride, context - 1)));
          }
        }
        expect(seen.slice(1)).toEqual(new Array(Math.max(0, n - 1)).fill(1));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('gives a short sequence one window and stride 1 the full context to every token', () => {
    expect(planWindows(10, 16, 8)).toEqual([{ start: 0, end: 10, scoreFrom: 1 }]);
    expect(planWindows(6, 4, 1)).toEqual([
      { start: 0, end: 4, scoreFrom: 1 },
      { start: 1, end: 5, scoreFrom: 4 },
      { start: 2, end: 6, scoreFrom: 5 },
    ]);
  });
});

describe('planBatches', () => {
  it('orders rows longest first, respects the budgets and covers every row once', () => {
    const lengths = [3, 10, 7, 10, 1, 5];
    const batches = planBatches(lengths, { maxTokens: 20, maxRows: 3 });
    expect(batches).toEqual([[1, 3], [2, 5], [0, 4]]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 60 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 8 }), (ls, maxTokens, maxRows) => {
        const bs = planBatches(ls, { maxTokens, maxRows });
        expect(bs.flat().sort((a, b) => a - b)).toEqual(ls.map((_, i) => i));
        for (const b of bs) {
          expect(b.length).toBeLessThanOrEqual(maxRows);
          if (b.length > 1) expect(b.length * ls[b[0]]).toBeLessThanOrEqual(maxTokens);
          for (const i of b) expect(ls[i]).toBeLessThanOrEqual(ls[b[0]]);
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('cuts where padding costs more than a pass, and keeps rows together where it does not', () => {
    // Two rows of 12 and thirty of 1: one batch pads 348 tokens; two passes cost 32 more but pad none.
    const lengths = [12, 12, ...new Array(30).fill(1)];
    const rest = lengths.map((_, i) => i).slice(2);
    expect(planBatches(lengths, { maxTokens: 1000, maxRows: 64 })).toEqual([[0, 1], rest]);
    expect(planBatches(lengths, { maxTokens: 1000, maxRows: 64, passTokens: 400 })).toEqual([[0, 1, ...rest]]);
    // Lengths 3 and 2: one padded token is cheaper than a second pass.
    expect(planBatches([3, 2], { maxTokens: 100, maxRows: 8 })).toEqual([[0, 1]]);
  });
});
