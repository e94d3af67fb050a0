import { describe, expect, it } from 'vitest';
import { phaseChange } from '../../harness/analysis/phase-change.js';

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
});
