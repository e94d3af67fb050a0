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
  const n = columns[0]?.length ?? 0;
  if (columns.some((c) => c.length !== n)) throw new RangeError('covariance: columns differ in length');
  const sum = new CovarianceSum(means);
  sum.add(columns);
  return sum.covariance();
}

/**
 * covariance() of rows that arrive a few at a time, given the columns' means: the rows are summed
 * in the same blocks of BLOCK rows however they arrive, so the result is the same to the bit.
 */
export class CovarianceSum {
  private readonly cov: Float64Array[];
  private readonly block: Float64Array[];
  private filled = 0;
  private rows = 0;

  constructor(private readonly means: ArrayLike<number>) {
    this.cov = Array.from(means, () => new Float64Array(means.length));
    this.block = Array.from(means, () => new Float64Array(BLOCK));
  }

  /** The next rows: equal-length columns, one per mean. */
  add(columns: readonly ArrayLike<number>[]): void {
    const n = columns[0]?.length ?? 0;
    for (let start = 0; start < n;) {
      const size = Math.min(BLOCK - this.filled, n - start);
      columns.forEach((c, i) => {
        const [x, mean] = [this.block[i], this.means[i]];
        for (let r = 0; r < size; r++) x[this.filled + r] = c[start + r] - mean;
      });
      start += size;
      this.filled += size;
      if (this.filled === BLOCK) this.flush();
    }
    this.rows += n;
  }

  covariance(): Float64Array[] {
    this.flush();
    const m = this.cov.length;
    const cov = this.cov.map((row) => Float64Array.from(row));
    for (let i = 0; i < m; i++) {
      for (let j = i; j < m; j++) {
        cov[i][j] /= this.rows - 1;
        cov[j][i] = cov[i][j];
      }
    }
    return cov;
  }

  private flush(): void {
    const m = this.cov.length;
    for (let i = 0; i < m; i++) {
      for (let j = i; j < m; j++) {
        const [x, y] = [this.block[i], this.block[j]];
        let sum = 0;
        for (let r = 0; r < this.filled; r++) sum += x[r] * y[r];
        this.cov[i][j] += sum;
      }
    }
    this.filled = 0;
  }
}
