import { describe, expect, it } from 'vitest';
import { prng } from '../../harness/analysis/prng.js';
import { fleissKappa, seedDifference, seedEstimate, type PassTable } from '../../harness/matrix/seeds.js';

/** Seeds x probes of a population whose mean pass rate is exactly `truth`: probes of difficulty truth ± 0.4, seeds ± 0.1. */
function plantedTable(rand: () => number, seeds: number, probes: number, truth: number): boolean[][] {
  const difficulty = Array.from({ length: probes }, () => truth + (rand() * 2 - 1) * 0.4);
  const skill = Array.from({ length: seeds }, () => (rand() * 2 - 1) * 0.1);
  return skill.map((s) => difficulty.map((d) => rand() < d + s));
}

const table = (rows: string[]): PassTable => rows.map((r) => [...r].map((c) => c === '1'));

describe("Fleiss' kappa", () => {
  it('equals the hand computation: 3 seeds, probes passed by 3, 0, 2 and 1 of them -> 1/3', () => {
    // P_j = 1, 1, 1/3, 1/3 (mean 2/3); p = 6/12, chance 1/2; kappa = (2/3 - 1/2) / (1/2).
    expect(fleissKappa(table(['1011', '1010', '1000']))).toBeCloseTo(1 / 3, 12);
  });

  it("with two seeds it is Scott's pi: the textbook table (20 both, 5 and 10 one, 15 neither) gives 0.39394", () => {
    const rows = [[], []] as boolean[][];
    for (const [a, b, n] of [[true, true, 20], [true, false, 5], [false, true, 10], [false, false, 15]] as const) {
      for (let i = 0; i < n; i++) {
        rows[0].push(a);
        rows[1].push(b);
      }
    }
    // observed 0.7; pooled pass rate 0.55, chance 0.505; (0.7 - 0.505) / 0.495
    expect(fleissKappa(rows)).toBeCloseTo(0.195 / 0.495, 12);
  });

  it('is 1 for seeds that agree on every probe, and undefined (null) when no probe passes, every probe passes, or one seed', () => {
    expect(fleissKappa(table(['1100', '1100', '1100']))).toBe(1);
    expect(fleissKappa(table(['0000', '0000']))).toBeNull();
    expect(fleissKappa(table(['111', '111']))).toBeNull();
    expect(fleissKappa(table(['1010']))).toBeNull();
  });
});

describe('multi-bootstrap over seeds and probes', () => {
  it('covers the planted mean pass rate at about the nominal 95% (400 planted suites of 5 seeds x 100 probes)', () => {
    const rand = prng(1);
    let covered = 0;
    const reps = 400;
    for (let r = 0; r < reps; r++) {
      const est = seedEstimate(plantedTable(rand, 5, 100, 0.5), { draws: 400, seed: r });
      if (est.low <= 0.5 && 0.5 <= est.high) covered++;
    }
    // Measured 0.97 here (0.905 with 3 seeds x 300 probes: with few seeds the percentile interval is narrow).
    expect(covered / reps).toBeGreaterThanOrEqual(0.9);
    expect(covered / reps).toBeLessThanOrEqual(0.99);
  });

  it('reports the mean, the seeds\' standard deviation, and reproduces with its seed', () => {
    const t = table(['1111', '1100', '1000']);
    const est = seedEstimate(t, { seed: 3 });
    expect(est.mean).toBeCloseTo(7 / 12, 12);
    // per-seed rates 1, 0.5, 0.25: sample SD
    expect(est.seedSd).toBeCloseTo(Math.sqrt(((1 - 7 / 12) ** 2 + (0.5 - 7 / 12) ** 2 + (0.25 - 7 / 12) ** 2) / 2), 12);
    expect(est.low).toBeLessThan(est.mean);
    expect(est.high).toBeGreaterThan(est.mean);
    expect(seedEstimate(t, { seed: 3 })).toEqual(est);
    expect(seedEstimate(t, { seed: 4 })).not.toEqual(est);
  });

  it('finds a planted rise of 0.1 between two steps, paired, and no rise where none was planted', () => {
    const rand = prng(2);
    const before = plantedTable(rand, 5, 200, 0.4);
    // The same seeds and probes later: each fail turns into a pass with probability 1/6 (0.4 -> 0.5).
    const after = before.map((row) => row.map((p) => p || rand() < 1 / 6));
    const rise = seedDifference(before, after, { seeds: true, probes: true });
    expect(rise.difference).toBeGreaterThan(0.05);
    expect(rise.low).toBeGreaterThan(0);
    expect(rise.atMostZero).toBe(0);
    const same = seedDifference(before, before.map((row) => [...row]), { seeds: true, probes: true });
    expect(same).toMatchObject({ difference: 0, low: 0, high: 0, atMostZero: 1 });
  });

  it('pairing removes what two steps share: the paired interval is narrower than the unpaired one', () => {
    const rand = prng(3);
    const before = plantedTable(rand, 5, 200, 0.5);
    const after = before.map((row) => row.map((p) => (rand() < 0.05 ? !p : p)));
    const paired = seedDifference(before, after, { seeds: true, probes: true });
    const unpaired = seedDifference(before, after, { seeds: false, probes: false });
    expect(paired.high - paired.low).toBeLessThan((unpaired.high - unpaired.low) / 2);
  });

  it('refuses tables it cannot pair or resample', () => {
    expect(() => seedEstimate([])).toThrow(/no seeds/);
    expect(() => seedEstimate(table(['10', '1']))).toThrow(/same probes/);
    expect(() => seedDifference(table(['10']), table(['10', '01']), { seeds: true, probes: true })).toThrow(/paired seeds/);
  });
});
