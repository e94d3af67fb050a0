import { LmbError } from '../../errors.js';
import { TokenBlocks } from '../tokens/blocks.js';
import type { CheckpointPick, TokenMatrix } from '../tokens/matrix.js';
import type { TokenStore } from '../tokens/store.js';
import { chooseTokens, chosenBy, namedTokens, type TokenChoice } from './choose.js';
import type { TokenAt } from './curves.js';

/** The rows whose curves are fitted, with their log-probs; the rest of the matrix is never held. */
export interface CurveRows {
  /** Every row's document, position and token (documentTokens, doc:pos). */
  ids: Pick<TokenMatrix, 'corpus' | 'doc' | 'position' | 'tokenId'>;
  /** Rows of the token matrix. */
  choice: TokenChoice;
  /** logprobs[r][c][i]: run r's c-th checkpoint at choice.rows[i]. */
  logprobs: Float32Array[][];
}

/**
 * Reads a stored corpus a block at a time (TokenBlocks) for checkpoints `picks`, run by run with
 * `shape[r]` checkpoints each, and keeps only the chosen rows: those named in `at`, or the `count`
 * where the runs disagree most, exactly as chooseTokens over the whole matrix would pick them.
 */
export async function curveRows(store: TokenStore, opts: { corpus: string; picks: readonly CheckpointPick[]; shape: readonly number[]; at?: readonly TokenAt[]; count: number; blockTokens?: number }): Promise<CurveRows> {
  const blocks = await TokenBlocks.open(store, { corpus: opts.corpus, checkpoints: opts.picks });
  try {
    const ids = await blocks.ids();
    const best = opts.at ? undefined : await mostDisagreeing(blocks, opts.shape, opts.count, opts.blockTokens);
    const rows = best?.rows ?? opts.at!.map((at) => rowAt(ids, at));
    const logprobs = byRun(await gather(blocks, rows, opts.blockTokens), opts.shape);
    return { ids, choice: best ?? { ...namedTokens(logprobs, rows.map((_, i) => i)), rows }, logprobs };
  } finally {
    await blocks.close();
  }
}

/** chooseTokens over the whole matrix, from the best `count` of each block, which hold the best of all. */
async function mostDisagreeing(blocks: TokenBlocks, shape: readonly number[], count: number, size?: number): Promise<TokenChoice> {
  let best: { row: number; score: number }[] = [];
  for await (const b of blocks.read(size)) {
    const local = chooseTokens(byRun(b.logprobs, shape), count);
    best = [...best, ...local.rows.map((r, i) => ({ row: b.start + r, score: local.scores[i] }))]
      .sort((x, y) => y.score - x.score || x.row - y.row).slice(0, count);
  }
  return { by: chosenBy(shape.length), rows: best.map((x) => x.row), scores: best.map((x) => x.score) };
}

/** Each checkpoint's log-probs at `rows` (in that order, repeats kept). */
async function gather(blocks: TokenBlocks, rows: readonly number[], size?: number): Promise<Float32Array[]> {
  const out = blocks.checkpoints.map(() => new Float32Array(rows.length));
  const order = Array.from(rows.keys()).sort((i, j) => rows[i] - rows[j]);
  let next = 0;
  for await (const b of blocks.read(size)) {
    for (; next < order.length && rows[order[next]] < b.start + b.rows; next++) {
      b.logprobs.forEach((lp, c) => (out[c][order[next]] = lp[rows[order[next]] - b.start]));
    }
  }
  return out;
}

/** Columns in run order, split into runs of `shape[r]` checkpoints. */
function byRun<T>(columns: readonly T[], shape: readonly number[]): T[][] {
  let next = 0;
  return shape.map((n) => columns.slice(next, (next += n)));
}

function rowAt(m: CurveRows['ids'], at: TokenAt): number {
  for (let row = 0; row < m.doc.length; row++) if (m.doc[row] === at.doc && m.position[row] === at.position) return row;
  throw new LmbError('TOKEN_NOT_IN_CORPUS', `corpus ${m.corpus} has no scored token at ${at.doc}:${at.position} (documents count from 0; a document's first token, position 0, has no prediction)`,
    'Name tokens as doc:position, as curves.md and scatter.md list them');
}
