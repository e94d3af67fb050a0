/**
 * Statistics across seeds: the multi-bootstrap (Sellam et al. 2021, MultiBERTs), which resamples
 * seeds and probes together so an interval counts both sources of variance, and Fleiss' kappa
 * for agreement among all seeds at once.
 */
import { prng } from '../analysis/prng.js';

/** Pass or fail of each probe, one row per seed: `rows[seed][probe]`, every row the same probes. */
export type PassTable = readonly (readonly boolean[])[];

export interface BootstrapOptions {
  /** Resamples drawn (default 2000). */
  draws?: number;
  /** Seed of the resampling, so the same table gives the same interval (default 0). */
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

export interface SeedEstimate {
  /** Mean pass rate over seeds and probes. */
  mean: number;
  /** Percentile interval of the mean under the multi-bootstrap. */
  low: number;
  high: number;
  /** Sample standard deviation of the per-seed pass rates (0 for one seed). */
  seedSd: number;
}

export interface SeedDifference {
  /** Mean of b minus mean of a. */
  difference: number;
  low: number;
  high: number;
  /** Share of resamples in which the difference is <= 0. */
  atMostZero: number;
}

/** Which resampling two tables share: the same seeds (two steps or behaviours of one suite), the same probes (two steps). */
export interface Pairing {
  seeds: boolean;
  probes: boolean;
}

const defaults = (o: BootstrapOptions) => ({ draws: o.draws ?? 2000, seed: o.seed ?? 0, level: o.level ?? 0.95 });

/** The mean pass rate across seeds, its multi-bootstrap interval and the seeds' spread. */
export function seedEstimate(table: PassTable, opts: BootstrapOptions = {}): SeedEstimate {
  const { draws, seed, level } = defaults(opts);
  checkTable(table, 'table');
  const rand = prng(seed);
  const packed = pack(table);
  const means = Array.from({ length: draws }, () => resampledMean(packed, draw(rand, table.length), draw(rand, table[0].length)));
  const [low, high] = percentiles(means, level);
  const perSeed = table.map(rate);
  return { mean: mean(perSeed), low, high, seedSd: sampleSd(perSeed) };
}

/**
 * b's mean pass rate minus a's, with its interval and the share of resamples at or below zero.
 * Paired seeds (or probes) are resampled once for both tables, so what they share cancels.
 */
export function seedDifference(a: PassTable, b: PassTable, pairing: Pairing, opts: BootstrapOptions = {}): SeedDifference {
  const { draws, seed, level } = defaults(opts);
  checkTable(a, 'a');
  checkTable(b, 'b');
  if (pairing.seeds && a.length !== b.length) throw new RangeError(`paired seeds, but a has ${a.length} and b ${b.length}`);
  if (pairing.probes && a[0].length !== b[0].length) throw new RangeError(`paired probes, but a has ${a[0].length} and b ${b[0].length}`);
  const rand = prng(seed);
  const [packedA, packedB] = [pack(a), pack(b)];
  const diffs = Array.from({ length: draws }, () => {
    const seedsA = draw(rand, a.length);
    const probesA = draw(rand, a[0].length);
    const seedsB = pairing.seeds ? seedsA : draw(rand, b.length);
    const probesB = pairing.probes ? probesA : draw(rand, b[0].length);
    return resampledMean(packedB, seedsB, probesB) - resampledMean(packedA, seedsA, probesA);
  });
  const [low, high] = percentiles(diffs, level);
  return { difference: mean(b.map(rate)) - mean(a.map(rate)), low, high, atMostZero: diffs.filter((d) => d <= 0).length / draws };
}

/**
 * Fleiss' kappa of the seeds as raters of pass/fail on each probe: 1 when they always agree, 0 at
 * chance. Undefined (null) with fewer than two seeds or no probes, and when every answer is the
 * same (all pass or all fail): agreement is then total but says nothing beyond chance.
 */
export function fleissKappa(table: PassTable): number | null {
  const n = table.length;
  const N = table[0]?.length ?? 0;
  if (n < 2 || N === 0) return null;
  let agreement = 0;
  let passes = 0;
  for (let j = 0; j < N; j++) {
    const k = passCount(table, j);
    passes += k;
    agreement += (k * (k - 1) + (n - k) * (n - k - 1)) / (n * (n - 1));
  }
  const p = passes / (N * n);
  const chance = p * p + (1 - p) * (1 - p);
  if (chance === 1) return null;
  return (agreement / N - chance) / (1 - chance);
}

/** How many seeds pass probe `j`. */
export function passCount(table: PassTable, j: number): number {
  let k = 0;
  for (const row of table) if (row[j]) k++;
  return k;
}

function checkTable(t: PassTable, name: string): void {
  if (t.length === 0 || t[0].length === 0) throw new RangeError(`${name} has no seeds or no probes`);
  if (t.some((row) => row.length !== t[0].length)) throw new RangeError(`${name}'s seeds do not all have the same probes`);
}

/** `n` indices drawn with replacement, as counts per index. */
export function draw(rand: () => number, n: number): Uint32Array {
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) counts[Math.floor(rand() * n)]++;
  return counts;
}

/** A table as one byte per answer, row after row, for the resampling loops. */
export interface Packed {
  rows: number;
  cols: number;
  bits: Uint8Array;
}

export function pack(t: PassTable): Packed {
  const bits = new Uint8Array(t.length * t[0].length);
  t.forEach((row, i) => row.forEach((p, j) => (bits[i * row.length + j] = p ? 1 : 0)));
  return { rows: t.length, cols: t[0].length, bits };
}

/** The mean over drawn seeds of each seed's pass rate on the drawn probes (every seed sees the same probe draw). */
function resampledMean(t: Packed, seeds: Uint32Array, probes: Uint32Array): number {
  let total = 0;
  for (let j = 0; j < t.cols; j++) total += probes[j];
  let sum = 0;
  let weight = 0;
  for (let i = 0; i < t.rows; i++) {
    if (seeds[i] === 0) continue;
    let passed = 0;
    const row = i * t.cols;
    for (let j = 0; j < t.cols; j++) passed += t.bits[row + j] * probes[j];
    sum += (seeds[i] * passed) / total;
    weight += seeds[i];
  }
  return sum / weight;
}

/** The central `level` percentile interval of `xs`. */
export function percentiles(xs: readonly number[], level: number): [number, number] {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  return [at((1 - level) / 2), at((1 + level) / 2)];
}

const rate = (row: readonly boolean[]) => row.filter(Boolean).length / row.length;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function sampleSd(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}
