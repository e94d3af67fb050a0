import { POOR_FIT_R2, type CurveFit } from './classify.js';

/** One run's curves counted by class. */
export interface RunShares {
  run: string;
  steps: number[];
  curves: number;
  sShaped: number;
  /** S-shaped curves whose loss goes up: the run learns to rule the token out there. */
  sShapedRising: number;
  smooth: number;
  sShapedShare: number;
  /** Curves whose winning fit explains less than POOR_FIT_R2 of the variance, whatever their class. */
  poorFits: number;
  /** Median step of the S-shaped curves' midpoints; null when there are none. */
  medianMidpointStep: number | null;
}

/** Per token, how many runs' curves are S-shaped; and the S share of the run that ends lowest vs highest on each token. */
export interface CrossRunShares {
  sShapedInEveryRun: number;
  sShapedInSomeRuns: number;
  sShapedInNoRun: number;
  /** Only with two runs or more: S share among the curves of the run with the lowest (highest) final loss on each token. */
  bestFinalRun: number | null;
  worstFinalRun: number | null;
}

/** A token's curve in one run, as the share counts see it. */
export type RunCurveView = CurveFit & { losses: readonly number[] };

export function runShares(run: string, steps: readonly number[], curves: readonly RunCurveView[]): RunShares {
  const s = curves.filter((c) => c.class === 'S-shaped');
  return {
    run,
    steps: [...steps],
    curves: curves.length,
    sShaped: s.length,
    sShapedRising: s.filter((c) => c.logistic.after > c.logistic.before).length,
    smooth: curves.length - s.length,
    sShapedShare: curves.length > 0 ? s.length / curves.length : NaN,
    poorFits: curves.filter((c) => c.r2 < POOR_FIT_R2).length,
    medianMidpointStep: s.length > 0 ? median(s.map((c) => c.logistic.midpointStep)) : null,
  };
}

/** `tokens[t][r]`: token t's curve in run r. */
export function crossRunShares(tokens: readonly (readonly RunCurveView[])[]): CrossRunShares {
  const count = (t: readonly RunCurveView[]) => t.filter((c) => c.class === 'S-shaped').length;
  const multi = tokens.length > 0 && tokens[0].length > 1;
  const share = (pick: (t: readonly RunCurveView[]) => RunCurveView) =>
    multi ? tokens.filter((t) => pick(t).class === 'S-shaped').length / tokens.length : null;
  const byFinal = (t: readonly RunCurveView[], sign: number) => t.reduce((a, b) => (sign * (b.losses.at(-1)! - a.losses.at(-1)!) < 0 ? b : a));
  return {
    sShapedInEveryRun: tokens.filter((t) => count(t) === t.length).length,
    sShapedInSomeRuns: tokens.filter((t) => count(t) > 0 && count(t) < t.length).length,
    sShapedInNoRun: tokens.filter((t) => count(t) === 0).length,
    bestFinalRun: share((t) => byFinal(t, 1)),
    worstFinalRun: share((t) => byFinal(t, -1)),
  };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
