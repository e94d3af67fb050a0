import { columnMeans, covariance } from './covariance.js';
import { symmetricEigen } from './eigen.js';

/** Principal components of a tokens x models matrix given as one column per model. */
export interface PrincipalComponents {
  /** Rows (tokens) the components were computed from. */
  rows: number;
  /** Each column's mean, subtracted before anything else. */
  means: Float64Array;
  /** Variance along each component, largest first: the covariance's eigenvalues, rounding negatives set to 0. */
  variances: Float64Array;
  /** Sum of the columns' variances (the covariance's trace). */
  totalVariance: number;
  /** variances / totalVariance; all 0 when every column is constant. */
  ratios: Float64Array;
  /** loadings[k][m]: column m's weight in component k; unit length, signed by SIGN_CONVENTION. */
  loadings: Float64Array[];
}

export const SIGN_CONVENTION = "each component's largest-magnitude loading is positive (the first such, on a tie)";

/**
 * PCA of the columns' covariance (columns x columns, float64): every component, largest variance
 * first. Columns must have equal length, at least 2, with finite values.
 */
export function principalComponents(columns: readonly ArrayLike<number>[]): PrincipalComponents {
  const rows = columns[0]?.length ?? 0;
  if (rows < 2) throw new RangeError(`principalComponents: needs at least 2 rows, got ${rows}`);
  const means = columnMeans(columns);
  return componentsOf(rows, means, covariance(columns, means));
}

/** principalComponents() from a covariance already summed (CovarianceSum) over `rows` rows. */
export function componentsOf(rows: number, means: Float64Array, cov: readonly Float64Array[]): PrincipalComponents {
  const eigen = symmetricEigen(cov);
  const totalVariance = cov.reduce((sum, row, i) => sum + row[i], 0);
  const variances = eigen.values.map((v) => Math.max(0, v));
  return {
    rows,
    means,
    variances,
    totalVariance,
    ratios: variances.map((v) => (totalVariance > 0 ? v / totalVariance : 0)),
    loadings: eigen.vectors.map(signed),
  };
}

/**
 * An eigenvector's sign is arbitrary. The largest-magnitude entry is made positive rather than,
 * say, the sum: later components are orthogonal to a first one whose loadings are near-uniform,
 * so their sums sit near 0, where a sum rule would flip on noise.
 */
function signed(v: Float64Array): Float64Array {
  let big = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[big]) * (1 + 1e-9)) big = i;
  return v[big] < 0 ? v.map((x) => -x) : v;
}
