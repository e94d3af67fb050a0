import { fitLine } from './least-squares.js';
import { refine } from './levenberg-marquardt.js';

/**
 * The smooth alternative: loss = start + slope·(e^{bend·(x − from)} − 1)/bend, a straight line
 * in x when bend = 0. Three parameters, monotone, bending either way (a decay that levels off, or
 * a drop that speeds up), but with at most one flat stretch: it cannot fit a step with a plateau
 * on both sides, which is exactly what the logistic adds. `from` is the first checkpoint's x.
 */
export interface SmoothFit {
  start: number;
  slope: number;
  bend: number;
  from: number;
  rss: number;
}

export const SMOOTH_PARAMETERS = 3;

const shape = (bend: number, dx: number) => (Math.abs(bend * dx) < 1e-9 ? dx : Math.expm1(bend * dx) / bend);

export const smoothAt = (p: Omit<SmoothFit, 'rss'>, x: number) => p.start + p.slope * shape(p.bend, x - p.from);

/** Least-squares fit: a grid over bend·range in [-30, 30], start and slope in closed form, then Levenberg-Marquardt. */
export function fitSmooth(x: readonly number[], y: readonly number[]): SmoothFit {
  const from = x[0];
  const range = x[x.length - 1] - from;
  const limit = 30 / range;
  let best = { start: y[0], slope: 0, bend: 0, rss: Infinity };
  for (let i = -60; i <= 60; i++) {
    const bend = (limit * i) / 60;
    const line = fitLine(x.map((v) => shape(bend, v - from)), y);
    if (line.rss < best.rss) best = { start: line.a, slope: line.b, bend, rss: line.rss };
  }
  const model = ([start, slope, bend]: readonly number[], v: number) => smoothAt({ start, slope, bend, from }, v);
  const clamp = ([start, slope, bend]: number[]) => [start, slope, Math.min(limit, Math.max(-limit, bend))];
  const { theta, rss } = refine(model, x, y, [best.start, best.slope, best.bend], { clamp });
  return { start: theta[0], slope: theta[1], bend: theta[2], from, rss };
}
