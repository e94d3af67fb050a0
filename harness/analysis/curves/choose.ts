/** How the tokens were chosen: by how far the runs' final log-probs spread, a single run's total change, or named. */
export type ChosenBy = 'final-spread' | 'total-change' | 'named';

/** Rows of a token matrix and each one's disagreement, most disagreeing first. */
export interface TokenChoice {
  by: ChosenBy;
  rows: number[];
  /** Per chosen row: max − min of the runs' final log-probs (one run: |last − first|), nats. */
  scores: number[];
}

/**
 * The `count` tokens where the runs disagree most at their final checkpoints: the spread (max −
 * min) of the final log-probs across runs. With one run, where its log-prob changed most from first
 * to last checkpoint. `runs[r][c]` holds run r's log-probs at its c-th checkpoint in step order;
 * rows not finite under every checkpoint are skipped. Ties go to the earlier row.
 */
export function chooseTokens(runs: readonly (readonly ArrayLike<number>[])[], count: number): TokenChoice {
  const score = disagreement(runs);
  const rows = [...finiteRows(runs)].sort((a, b) => score(b) - score(a) || a - b).slice(0, count);
  return { by: chosenBy(runs.length), rows, scores: rows.map(score) };
}

/** What chooseTokens ranks by for this many runs. */
export const chosenBy = (runs: number): ChosenBy => (runs > 1 ? 'final-spread' : 'total-change');

/** The same measure for rows picked by hand, in the order given. */
export function namedTokens(runs: readonly (readonly ArrayLike<number>[])[], rows: readonly number[]): TokenChoice {
  const score = disagreement(runs);
  return { by: 'named', rows: [...rows], scores: rows.map(score) };
}

function disagreement(runs: readonly (readonly ArrayLike<number>[])[]): (row: number) => number {
  if (runs.length === 1) return (row) => Math.abs(runs[0].at(-1)![row] - runs[0][0][row]);
  return (row) => {
    let [lo, hi] = [Infinity, -Infinity];
    for (const columns of runs) {
      const v = columns.at(-1)![row];
      [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    }
    return hi - lo;
  };
}

function* finiteRows(runs: readonly (readonly ArrayLike<number>[])[]): Generator<number> {
  const all = runs.flat();
  for (let row = 0; row < (all[0]?.length ?? 0); row++) if (all.every((c) => Number.isFinite(c[row]))) yield row;
}
