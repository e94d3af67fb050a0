import { describe, expect, it } from 'vitest';
import { pairedStdError, phaseChange } from '../../harness/analysis/phase-change.js';
import { prng } from '../../harness/analysis/prng.js';

const series = (rows: [number, number, number][]) => rows.map(([step, iclScore, bestPrefixMatching]) => ({ step, iclScore, bestPrefixMatching }));

describe('phase change', () => {
  it('finds the checkpoint after the biggest joint jump', () => {
    const points = series([
      [0, 0, 0.03], [100, -0.02, 0.04], [200, -0.05, 0.06],
      [400, -0.35, 0.55], // the jump
      [800, -0.45, 0.65], [1600, -0.47, 0.66],
    ]);
    expect(phaseChange(points)).toMatchObject({ step: 400, from: 200 });
    expect(phaseChange(points)!.prefixJump).toBeCloseTo(0.49, 10);
    expect(phaseChange(points)!.iclJump).toBeCloseTo(0.3, 10);
    // Order of the input does not matter.
    expect(phaseChange([...points].reverse())?.step).toBe(400);
  });

  it('is null on a flat series, when only one measure jumps, and with one checkpoint', () => {
    expect(phaseChange(series([[0, -0.1, 0.05], [100, -0.12, 0.06], [200, -0.11, 0.07], [400, -0.13, 0.06]]))).toBeNull();
    expect(phaseChange(series([[0, 0, 0.05], [100, -0.5, 0.06]]))).toBeNull();
    expect(phaseChange(series([[0, 0, 0.05], [100, 0, 0.8]]))).toBeNull();
    expect(phaseChange(series([[0, 0, 0.05]]))).toBeNull();
  });

  it('a drop of the ICL score within its paired noise is no phase change; the same drop with quiet windows is', () => {
    // 128 windows; between steps 100 and 200 the ICL score falls by exactly 0.08 nats while the best head jumps.
    const rand = prng(3);
    const base = Array.from({ length: 128 }, () => (rand() * 2 - 1) * 0.5);
    const point = (step: number, w: number[], head: number) => ({ step, iclScore: w.reduce((a, b) => a + b, 0) / w.length, iclWindows: w, bestPrefixMatching: head });
    const after = (spread: number) => point(200, base.map((b, i) => b - 0.08 + (i % 2 ? spread : -spread)), 0.4);
    // Windows that move by +-0.9 around the drop: paired SE 0.9 * sqrt(128/127) / sqrt(128) = 0.080, so 0.08 is one SE.
    const noisy = [point(100, base, 0.05), after(0.9)];
    expect(pairedStdError(noisy[0].iclWindows, noisy[1].iclWindows)).toBeCloseTo(0.9 / Math.sqrt(127), 10);
    expect(phaseChange(noisy)).toBeNull();
    const quiet = [point(100, base, 0.05), after(0.01)];
    expect(phaseChange(quiet)).toMatchObject({ step: 200, from: 100 });
    expect(phaseChange(quiet)!.iclJump).toBeCloseTo(0.08, 10);
    expect(phaseChange(quiet)!.iclJumpStdError).toBeCloseTo(0.01 / Math.sqrt(127), 10);
    // Without per-window scores the rule is the plain 0.05-nat threshold, as before.
    expect(phaseChange(noisy.map(({ iclWindows: _, ...p }) => p))).toMatchObject({ step: 200, iclJumpStdError: 0 });
  });

  it('pairs windows: an offset every window shares cancels, and unequal lists give no error term', () => {
    expect(pairedStdError([1, 2, 3, 4], [2, 3, 4, 5])).toBe(0);
    expect(pairedStdError([1, 2], [1, 2, 3])).toBe(0);
    // Differences 1, -1, 1, -1: SD sqrt(4/3), SE sqrt(4/3) / 2.
    expect(pairedStdError([0, 0, 0, 0], [1, -1, 1, -1])).toBeCloseTo(Math.sqrt(4 / 3) / 2, 12);
  });
});
