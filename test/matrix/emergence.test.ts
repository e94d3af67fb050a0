import { describe, expect, it } from 'vitest';
import { prng } from '../../harness/analysis/prng.js';
import { emergence, halfRiseStep } from '../../harness/matrix/emergence.js';

const STEPS = [0, 10, 20, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200];

/** Probes of one run whose pass rate is 0.1 + 0.8 * logistic(ln(step / centre) / 0.5): half its rise at `centre`. */
function plantedRun(rand: () => number, centre: number, probes: number): boolean[][] {
  const threshold = Array.from({ length: probes }, () => rand());
  const rate = (s: number) => 0.1 + 0.8 / (1 + Math.exp(-Math.log(Math.max(s, 1e-9) / centre) / 0.5));
  // Each probe passes from the step its threshold falls under the rate on: a monotone curve per probe.
  return STEPS.map((s) => threshold.map((u) => u < rate(s)));
}

describe('halfRiseStep', () => {
  it('interpolates on ln(1 + step): rates 0, 0.2, 0.8, 1 at steps 0, 10, 100, 1000 cross 0.5 at sqrt(11 x 101) - 1', () => {
    expect(halfRiseStep([0, 10, 100, 1000], [0, 0.2, 0.8, 1])).toBeCloseTo(Math.sqrt(11 * 101) - 1, 9);
    expect(halfRiseStep([0, 10, 100, 1000], [0, 0, 0.5, 1])).toBeCloseTo(100, 9);
  });

  it('takes the last upward crossing when the curve dips back below half its rise', () => {
    // half-way level 0.5: crossed at step 1 (0.6), fallen below at 2 (0.1), crossed for good between 2 and 3.
    const step = halfRiseStep([0, 1, 2, 3, 4], [0, 0.6, 0.1, 0.9, 1]);
    expect(step).toBeGreaterThan(2);
    expect(step).toBeLessThan(3);
  });

  it('is null without a rise of 5 points, or with one checkpoint', () => {
    expect(halfRiseStep([0, 10, 100], [0.3, 0.5, 0.34])).toBeNull();
    expect(halfRiseStep([0, 10, 100], [0.5, 0.2, 0.1])).toBeNull();
    expect(halfRiseStep([100], [0.5])).toBeNull();
  });
});

describe('emergence', () => {
  it('recovers the half-rise steps planted in three runs (500, 1000, 4000), each inside its bootstrap interval', () => {
    const rand = prng(7);
    for (const centre of [500, 1000, 4000]) {
      const e = emergence('run', 'b', STEPS, plantedRun(rand, centre, 400));
      expect(e.step).toBeGreaterThan(centre / 1.3);
      expect(e.step).toBeLessThan(centre * 1.3);
      expect(e.low!).toBeLessThanOrEqual(centre);
      expect(e.high!).toBeGreaterThanOrEqual(centre);
      expect(e.low!).toBeLessThanOrEqual(e.step!);
      expect(e.high!).toBeGreaterThanOrEqual(e.step!);
      expect(e.noRise).toBe(0);
      expect(e.from).toBeLessThan(0.2);
      expect(e.to).toBeGreaterThan(0.8);
    }
  });

  it('a behaviour that never rises has no step, and every resample says so', () => {
    const flat = STEPS.map(() => Array.from({ length: 50 }, (_, j) => j % 4 === 0));
    expect(emergence('run', 'b', STEPS, flat)).toMatchObject({ step: null, low: null, high: null, noRise: 1, from: 0.26, to: 0.26 });
  });

  it('reproduces with its seed', () => {
    const passes = plantedRun(prng(8), 800, 100);
    expect(emergence('r', 'b', STEPS, passes, { seed: 3 })).toEqual(emergence('r', 'b', STEPS, passes, { seed: 3 }));
    expect(emergence('r', 'b', STEPS, passes, { seed: 3 }).low).not.toBe(emergence('r', 'b', STEPS, passes, { seed: 4 }).low);
  });
});
