import { LmbError } from '../../errors.js';
import { logStepAxis, stepToX, xToStep, type LogStepAxis } from './axis.js';
import { fitLogistic, LOGISTIC_PARAMETERS, type LogisticFit } from './logistic.js';
import { fitSmooth, SMOOTH_PARAMETERS, type SmoothFit } from './smooth.js';

export type CurveClass = 'S-shaped' | 'smooth';

/** Fewer checkpoints than this leave the 4-parameter logistic nothing to be judged on. */
export const MIN_CHECKPOINTS = 5;

/**
 * How much lower the logistic's BIC must be: 2 is "positive evidence" on Kass & Raftery's scale.
 * On top of the ln(n) the extra parameter already costs, so with 11 checkpoints the logistic must
 * leave less than 1/1.5 of the smooth curve's residual. On 11 log-spaced points, a straight line
 * plus Gaussian noise of 0.2 (0.5) nats per point is called S-shaped 6% (13%) of the time; a
 * margin of 6 brings that to 1% (3%) but misses more real steps.
 */
export const BIC_MARGIN = 2;

/** A residual RMS below this (nats) counts as a perfect fit, so BIC stays finite. */
export const RESIDUAL_RMS_FLOOR = 1e-3;

/** Below this share of the variance explained, neither model describes the curve (noise, or a rise and fall). */
export const POOR_FIT_R2 = 0.5;

/** Bayesian information criterion of a least-squares fit with k curve parameters to n points. */
export const bic = (rss: number, n: number, k: number) => n * Math.log(Math.max(rss / n, RESIDUAL_RMS_FLOOR ** 2)) + k * Math.log(n);

/** Both fits of one loss curve and the verdict. */
export interface CurveFit {
  class: CurveClass;
  bic: { logistic: number; smooth: number };
  /** Share of the loss variance the winning fit explains; 1 for a curve flat to within RESIDUAL_RMS_FLOOR. */
  r2: number;
  logistic: LogisticFit & { midpointStep: number };
  smooth: SmoothFit;
}

/**
 * Fits a loss curve (losses at increasing steps) both ways and calls it S-shaped when the
 * logistic's BIC beats the smooth curve's by `margin` (default BIC_MARGIN) and its midpoint has
 * at least two checkpoints on each side: a transition seen from both plateaus, not one
 * extrapolated past an end.
 */
export function classifyCurve(steps: readonly number[], losses: readonly number[], opts: { axis?: LogStepAxis; margin?: number } = {}): CurveFit {
  if (steps.length !== losses.length || steps.some((s, i) => i > 0 && s <= steps[i - 1])) {
    throw new Error(`classifyCurve takes one loss per step, steps increasing; got steps ${steps.join(', ')} and ${losses.length} losses`);
  }
  if (steps.length < MIN_CHECKPOINTS) {
    throw new LmbError('CHECKPOINTS_TOO_FEW', `a loss curve needs at least ${MIN_CHECKPOINTS} checkpoints to tell an S from a smooth curve, got ${steps.length}`,
      'Select more checkpoints, e.g. --checkpoints all or log:8');
  }
  const axis = opts.axis ?? logStepAxis(steps);
  const x = steps.map((s) => stepToX(axis, s));
  const n = x.length;
  const logistic = fitLogistic(x, losses);
  const smooth = fitSmooth(x, losses);
  const scores = { logistic: bic(logistic.rss, n, LOGISTIC_PARAMETERS), smooth: bic(smooth.rss, n, SMOOTH_PARAMETERS) };
  const inside = x.filter((v) => v < logistic.midpoint).length >= 2 && x.filter((v) => v > logistic.midpoint).length >= 2;
  const cls = inside && scores.logistic + (opts.margin ?? BIC_MARGIN) < scores.smooth ? 'S-shaped' : 'smooth';
  const mean = losses.reduce((a, b) => a + b, 0) / n;
  const tss = losses.reduce((a, b) => a + (b - mean) ** 2, 0);
  const rss = cls === 'S-shaped' ? logistic.rss : smooth.rss;
  return {
    class: cls,
    bic: scores,
    r2: tss <= n * RESIDUAL_RMS_FLOOR ** 2 ? 1 : 1 - rss / tss,
    logistic: { ...logistic, midpointStep: xToStep(axis, logistic.midpoint) },
    smooth,
  };
}
