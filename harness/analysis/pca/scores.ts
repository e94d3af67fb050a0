/**
 * Each row's score on a component: Σ_m loading[m] · (column_m[row] − mean[m]). For columns of
 * losses, a high score means the row's loss is high where the loadings are positive.
 */
export function componentScores(columns: readonly ArrayLike<number>[], means: ArrayLike<number>, loading: ArrayLike<number>): Float64Array {
  const scores = new Float64Array(columns[0]?.length ?? 0);
  columns.forEach((c, m) => {
    for (let r = 0; r < scores.length; r++) scores[r] += loading[m] * (c[r] - means[m]);
  });
  return scores;
}

/** The rows at both ends of a score. */
export interface ScoreEnds {
  /** The `n` highest-scoring rows, highest first. */
  high: number[];
  /** The `n` lowest-scoring rows, lowest first; never one of `high`, so fewer when rows < 2n. */
  low: number[];
}

/**
 * Top and bottom `n` rows by score; ties keep row order. With `key`, a row whose key an earlier
 * pick has is skipped: e.g. the same prefix in a repeated document, which scores the same.
 */
export function scoreEnds(scores: ArrayLike<number>, n: number, key?: (row: number) => string): ScoreEnds {
  const rows = Array.from({ length: scores.length }, (_, i) => i);
  const seen = new Set<string>();
  const fresh = (row: number) => {
    if (!key) return true;
    const k = key(row);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
  const high = pick([...rows].sort((i, j) => scores[j] - scores[i] || i - j), n, fresh);
  const taken = new Set(high);
  return { high, low: pick([...rows].sort((i, j) => scores[i] - scores[j] || i - j), n, (row) => !taken.has(row) && fresh(row)) };
}

function pick(order: readonly number[], n: number, keep: (row: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < order.length && out.length < n; i++) if (keep(order[i])) out.push(order[i]);
  return out;
}
