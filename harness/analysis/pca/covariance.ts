/** Mean of each column. */
export function columnMeans(columns: readonly ArrayLike<number>[]): Float64Array {
  return Float64Array.from(columns, (c) => {
    let sum = 0;
    for (let r = 0; r < c.length; r++) sum += c[r];
    return c.length ? sum / c.length : NaN;
  });
}

const BLOCK = 4096;

/**
 * The sample covariance (divided by rows - 1) of equal-length columns, in float64 whatever the
 * columns' type. Rows are centred a block at a time, so memory stays at columns x BLOCK.
 */
export function covariance(columns: readonly ArrayLike<number>[], means = columnMeans(columns)): Float64Array[] {
  const m = columns.length;
  const n = columns[0]?.length ?? 0;
  if (columns.some((c) => c.length !== n)) throw new RangeError('covariance: columns differ in length');
  const cov = Array.from({ length: m }, () => new Float64Array(m));
  const block = Array.from({ length: m }, () => new Float64Array(BLOCK));
  for (let start = 0; start < n; start += BLOCK) {
    const size = Math.min(BLOCK, n - start);
    columns.forEach((c, i) => {
      for (let r = 0; r < size; r++) block[i][r] = c[start + r] - means[i];
    });
    for (let i = 0; i < m; i++) {
      for (let j = i; j < m; j++) {
        const [x, y] = [block[i], block[j]];
        let sum = 0;
        for (let r = 0; r < size; r++) sum += x[r] * y[r];
        cov[i][j] += sum;
      }
    }
  }
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      cov[i][j] /= n - 1;
      cov[j][i] = cov[i][j];
    }
  }
  return cov;
}
