import { describe, expect, it } from 'vitest';
import { makeCell } from '../../harness/matrix/matrix.js';
import { wilson } from '../../harness/matrix/wilson.js';

describe('Wilson 95% interval', () => {
  it.each([
    // Published values (Newcombe 1998, Table I; and the usual textbook examples).
    [0, 10, 0, 0.2775],
    [5, 10, 0.2366, 0.7634],
    [10, 10, 0.7225, 1],
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
  ])('%i/%i -> [%f, %f]', (passed, total, low, high) => {
    const w = wilson(passed, total);
    expect(w.low).toBeCloseTo(low, 4);
    expect(w.high).toBeCloseTo(high, 4);
  });

  it('an empty cell is [0, 1]; cells round to 4 decimals', () => {
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
    expect(makeCell(1, 3)).toEqual({ passed: 1, total: 3, rate: 0.3333, low: 0.0615, high: 0.7923 });
  });
});
