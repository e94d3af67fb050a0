import { residualSum } from './least-squares.js';

/** A curve with parameters theta, evaluated at x. */
export type CurveModel = (theta: readonly number[], x: number) => number;

export interface RefineOptions {
  /** At most this many accepted steps (default 50). */
  iterations?: number;
  /** Puts parameters back inside their bounds after each step. */
  clamp?: (theta: number[]) => number[];
}

/**
 * Levenberg-Marquardt from a starting point (a grid search's best): central-difference Jacobian,
 * a step is kept only if it lowers the residual sum, so the result is never worse than the start.
 */
export function refine(model: CurveModel, x: readonly number[], y: readonly number[], start: readonly number[], opts: RefineOptions = {}): { theta: number[]; rss: number } {
  const clamp = opts.clamp ?? ((t: number[]) => t);
  const rssOf = (t: readonly number[]) => residualSum(y, (i) => model(t, x[i]));
  let theta = clamp([...start]);
  let rss = rssOf(theta);
  let lambda = 1e-3;
  for (let it = 0; it < (opts.iterations ?? 50) && rss > 0; it++) {
    const { jtj, jtr } = normalEquations(model, theta, x, y);
    let accepted = false;
    for (let tries = 0; tries < 12 && !accepted; tries++) {
      const m = jtj.map((row, i) => row.map((v, j) => (i === j ? v * (1 + lambda) + 1e-12 : v)));
      const delta = solve(m, jtr);
      const candidate = clamp(theta.map((t, i) => t + delta[i]));
      const next = rssOf(candidate);
      if (next < rss) {
        accepted = true;
        const gain = rss - next;
        [theta, rss] = [candidate, next];
        lambda = Math.max(lambda / 3, 1e-9);
        if (gain <= 1e-10 * rss) return { theta, rss };
      } else lambda *= 4;
    }
    if (!accepted) break;
  }
  return { theta, rss };
}

function normalEquations(model: CurveModel, theta: readonly number[], x: readonly number[], y: readonly number[]): { jtj: number[][]; jtr: number[] } {
  const p = theta.length;
  const jtj = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const jtr = new Array<number>(p).fill(0);
  const hs = theta.map((t) => 1e-6 * Math.max(1, Math.abs(t)));
  const shifted = (j: number, d: number) => theta.map((t, k) => (k === j ? t + d : t));
  for (let i = 0; i < x.length; i++) {
    const row = hs.map((h, j) => (model(shifted(j, h), x[i]) - model(shifted(j, -h), x[i])) / (2 * h));
    const r = y[i] - model(theta, x[i]);
    for (let a = 0; a < p; a++) {
      jtr[a] += row[a] * r;
      for (let b = 0; b < p; b++) jtj[a][b] += row[a] * row[b];
    }
  }
  return { jtj, jtr };
}

/** Gaussian elimination with partial pivoting; zeros where the system is singular. */
function solve(m: readonly number[][], v: readonly number[]): number[] {
  const n = v.length;
  const a = m.map((row, i) => [...row, v[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    if (Math.abs(a[pivot][c]) < 1e-300) return new Array<number>(n).fill(0);
    [a[c], a[pivot]] = [a[pivot], a[c]];
    for (let r = c + 1; r < n; r++) {
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= n; k++) a[r][k] -= f * a[c][k];
    }
  }
  const out = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r][n];
    for (let k = r + 1; k < n; k++) s -= a[r][k] * out[k];
    out[r] = s / a[r][r];
  }
  return out;
}
