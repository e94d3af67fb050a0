/** The least-squares a, b of y ≈ a + b·g, and its residual sum of squares; b = 0 when g is constant. */
export function fitLine(g: ArrayLike<number>, y: ArrayLike<number>): { a: number; b: number; rss: number } {
  const n = y.length;
  let mg = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mg += g[i] / n;
    my += y[i] / n;
  }
  let sgg = 0;
  let sgy = 0;
  for (let i = 0; i < n; i++) {
    sgg += (g[i] - mg) ** 2;
    sgy += (g[i] - mg) * (y[i] - my);
  }
  const b = sgg > 1e-12 * n ? sgy / sgg : 0;
  const a = my - b * mg;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (y[i] - a - b * g[i]) ** 2;
  return { a, b, rss };
}

export const residualSum = (y: ArrayLike<number>, f: (i: number) => number) => {
  let rss = 0;
  for (let i = 0; i < y.length; i++) rss += (y[i] - f(i)) ** 2;
  return rss;
};
