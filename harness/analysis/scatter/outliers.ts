/** The rows where two checkpoints disagree most, each way. */
export interface OutlierRows {
  /** Rows with the largest a - b, largest first. */
  aBetter: number[];
  /** Rows with the largest b - a, largest first. */
  bBetter: number[];
}

/** Top `n` rows of `a[i] - b[i]` each way, skipping rows where either is not finite; ties keep row order. */
export function topOutliers(a: ArrayLike<number>, b: ArrayLike<number>, n: number): OutlierRows {
  const rows: number[] = [];
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]) && Number.isFinite(b[i])) rows.push(i);
  const diff = (i: number) => a[i] - b[i];
  const positive = rows.filter((i) => diff(i) > 0).sort((i, j) => diff(j) - diff(i) || i - j);
  const negative = rows.filter((i) => diff(i) < 0).sort((i, j) => diff(i) - diff(j) || i - j);
  return { aBetter: positive.slice(0, n), bBetter: negative.slice(0, n) };
}
