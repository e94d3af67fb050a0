/**
 * When a behaviour emerges in a run: the step where its pass rate crosses half its rise, from the
 * rate at the run's first checkpoint to the rate at its last, interpolated on ln(1 + step) (a
 * log-step axis on which step 0 has a place), with a bootstrap interval over probes.
 */
import { prng } from '../analysis/prng.js';
import { draw, pack, percentiles } from './seeds.js';

/** A rise smaller than this (5 points of pass rate) is no emergence: its half-way step would be noise. */
export const MIN_RISE = 0.05;

export interface Emergence {
  run: string;
  behaviour: string;
  /** Pass rate at the first and the last checkpoint. */
  from: number;
  to: number;
  /** The half-rise step, or null when the rate rises by less than MIN_RISE. */
  step: number | null;
  /** 95% percentile interval of the step over probe resamples that rise (null when none does). */
  low: number | null;
  high: number | null;
  /** Share of probe resamples that do not rise by MIN_RISE (and so have no step). */
  noRise: number;
}

export interface EmergenceOptions {
  /** Probe resamples (default 1000). */
  draws?: number;
  /** Seed of the resampling (default 1). */
  seed?: number;
}

const x = (step: number) => Math.log1p(step);

/**
 * The half-rise step of a curve sampled at increasing `steps`, or null without a rise of
 * MIN_RISE. Where the curve crosses the half-way level more than once, the last upward crossing
 * counts: after it the rate stays at or above half its rise.
 */
export function halfRiseStep(steps: readonly number[], rates: ArrayLike<number>): number | null {
  return halfRise(steps, (s) => rates[s]);
}

/** halfRiseStep reading the rate at step index s only when it needs it (most resamples need few). */
function halfRise(steps: readonly number[], rateAt: (s: number) => number): number | null {
  const n = steps.length;
  if (n < 2) return null;
  const first = rateAt(0);
  const rise = rateAt(n - 1) - first;
  if (!(rise >= MIN_RISE)) return null;
  const half = first + rise / 2;
  let i = n - 2;
  let r = i > 0 ? rateAt(i) : first;
  let after = first + rise;
  while (i > 0 && r >= half) {
    after = r;
    i--;
    r = i > 0 ? rateAt(i) : first;
  }
  const t = (half - r) / (after - r);
  return Math.expm1(x(steps[i]) + t * (x(steps[i + 1]) - x(steps[i])));
}

/**
 * The emergence of one behaviour in one run from `passes[s][j]`: whether probe j passes at
 * `steps[s]` (steps increasing, every step the same probes).
 */
export function emergence(run: string, behaviour: string, steps: readonly number[], passes: readonly (readonly boolean[])[],
  opts: EmergenceOptions = {}): Emergence {
  const draws = opts.draws ?? 1000;
  const rand = prng(opts.seed ?? 1);
  const S = steps.length;
  const { cols: N, bits: table } = S ? pack(passes) : { cols: 0, bits: new Uint8Array(0) };
  const rateAt = (weights: Uint32Array | null) => (s: number) => {
    let sum = 0;
    const row = s * N;
    if (weights) for (let j = 0; j < N; j++) sum += table[row + j] * weights[j];
    else for (let j = 0; j < N; j++) sum += table[row + j];
    return N ? sum / N : 0;
  };
  const whole = rateAt(null);
  const found: number[] = [];
  for (let d = 0; d < draws && N > 0; d++) {
    const step = halfRise(steps, rateAt(draw(rand, N)));
    if (step !== null) found.push(step);
  }
  const [low, high] = found.length ? percentiles(found, 0.95) : [null, null];
  return {
    run, behaviour, from: S ? whole(0) : 0, to: S ? whole(S - 1) : 0, step: halfRise(steps, whole),
    low, high, noRise: draws && N ? 1 - found.length / draws : 1,
  };
}
