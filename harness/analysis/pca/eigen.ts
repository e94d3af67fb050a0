/** Eigenvalues and unit eigenvectors of a symmetric matrix, largest eigenvalue first. */
export interface SymmetricEigen {
  values: Float64Array;
  /** vectors[k]: the unit eigenvector of values[k]. */
  vectors: Float64Array[];
}

/**
 * Cyclic Jacobi rotations (Golub & Van Loan, 8.5): accurate for the small, dense matrices of a
 * PCA over checkpoints, and O(n³) per sweep, so meant for up to a few hundred rows. Only the
 * upper triangle of `a` matters; `a` is not modified. Equal eigenvalues keep their index order.
 */
export function symmetricEigen(a: readonly ArrayLike<number>[], maxSweeps = 100): SymmetricEigen {
  const n = a.length;
  const m = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (j >= i ? a[i][j] : a[j][i])));
  const v = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < maxSweeps && offDiagonal(m) > 1e-30 * frobenius(m); sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        if (m[p][q] === 0) continue;
        const tau = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        rotateColumns(m, p, q, c, s);
        rotateRows(m, p, q, c, s);
        rotateColumns(v, p, q, c, s);
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j][j] - m[i][i] || i - j);
  return {
    values: Float64Array.from(order, (i) => m[i][i]),
    vectors: order.map((i) => Float64Array.from(v, (row) => row[i])),
  };
}

/** x ← x·J for the rotation J with J[p][p] = J[q][q] = c, J[p][q] = s, J[q][p] = -s. */
function rotateColumns(x: Float64Array[], p: number, q: number, c: number, s: number): void {
  for (const row of x) {
    const [xp, xq] = [row[p], row[q]];
    row[p] = c * xp - s * xq;
    row[q] = s * xp + c * xq;
  }
}

/** x ← Jᵀ·x. */
function rotateRows(x: Float64Array[], p: number, q: number, c: number, s: number): void {
  const [rp, rq] = [x[p], x[q]];
  for (let k = 0; k < rp.length; k++) {
    const [xp, xq] = [rp[k], rq[k]];
    rp[k] = c * xp - s * xq;
    rq[k] = s * xp + c * xq;
  }
}

function offDiagonal(m: Float64Array[]): number {
  let sum = 0;
  for (let i = 0; i < m.length; i++) for (let j = i + 1; j < m.length; j++) sum += m[i][j] * m[i][j];
  return sum;
}

function frobenius(m: Float64Array[]): number {
  let sum = 0;
  for (const row of m) for (const x of row) sum += x * x;
  return sum;
}
