import { fitLine } from './least-squares.js';
import { refine } from './levenberg-marquardt.js';

/** The S model: loss goes from `before` to `after` around `midpoint`, over about 4.4 `width` (10% to 90%), all in x. */
export interface LogisticFit {
  before: number;
  after: number;
  midpoint: number;
  width: number;
  rss: number;
}

export const LOGISTIC_PARAMETERS = 4;

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

export const logisticAt = (p: Omit<LogisticFit, 'rss'>, x: number) => p.before + (p.after - p.before) * sigmoid((x - p.midpoint) / p.width);

/**
 * Least-squares logistic in x. A grid over midpoint and width, each with the two levels in closed
 * form, finds the basin; Levenberg-Marquardt polishes all four. The midpoint may lie up to half the
 * range beyond either end (so a transition seen in part still fits); the width goes from 1/50 of
 * the range (a step between two checkpoints) to 1/4 (beyond that the S is too gentle to tell from
 * a bend, and leaving it out keeps the two models distinct).
 */
export function fitLogistic(x: readonly number[], y: readonly number[]): LogisticFit {
  const [lo, hi] = [x[0], x[x.length - 1]];
  const range = hi - lo;
  const [mMin, mMax] = [lo - range / 2, hi + range / 2];
  const [wMin, wMax] = [range / 50, range / 4];
  let best = { before: y[0], after: y[0], midpoint: lo, width: wMax, rss: Infinity };
  for (let i = 0; i <= 60; i++) {
    const midpoint = mMin + ((mMax - mMin) * i) / 60;
    for (let j = 0; j <= 12; j++) {
      const width = wMin * (wMax / wMin) ** (j / 12);
      const line = fitLine(x.map((v) => sigmoid((v - midpoint) / width)), y);
      if (line.rss < best.rss) best = { before: line.a, after: line.a + line.b, midpoint, width, rss: line.rss };
    }
  }
  const model = ([before, after, m, logW]: readonly number[], v: number) => logisticAt({ before, after, midpoint: m, width: Math.exp(logW) }, v);
  const clamp = ([before, after, m, logW]: number[]) => [before, after, Math.min(mMax, Math.max(mMin, m)), Math.min(Math.log(wMax), Math.max(Math.log(wMin), logW))];
  const { theta, rss } = refine(model, x, y, [best.before, best.after, best.midpoint, Math.log(best.width)], { clamp });
  return { before: theta[0], after: theta[1], midpoint: theta[2], width: Math.exp(theta[3]), rss };
}
