import { chooseCheckpoints, type CheckpointPick, type ChosenCheckpoint, type TokenMatrix } from './matrix.js';
import { DISTINCT_DOCS, type StoredCorpus, type TokenStore } from './store.js';

/** Token rows read at a time unless told otherwise: with 100 checkpoints, 26 MB of log-probs. */
export const BLOCK_TOKENS = 65536;

/** Consecutive rows of a TokenMatrix, `rows` from row `start`: its logprobs for these rows only. */
export interface TokenBlock {
  start: number;
  rows: number;
  /** logprobs[c][i]: row start + i under checkpoints[c]; NaN if not stored. */
  logprobs: Float32Array[];
}

let opened = 0;

/**
 * A corpus's TokenMatrix read a block of rows at a time, as often as needed, so memory holds
 * one block x checkpoints and never the whole matrix. Rows and checkpoints are those of
 * readTokenMatrix. Close it to drop its temporary table.
 */
export class TokenBlocks {
  private constructor(
    private readonly store: TokenStore,
    private readonly table: string,
    readonly corpus: StoredCorpus,
    readonly checkpoints: ChosenCheckpoint[],
    readonly rows: number,
  ) {}

  static async open(store: TokenStore, opts: { corpus: string; checkpoints?: readonly CheckpointPick[] }): Promise<TokenBlocks> {
    const corpus = await store.corpus(opts.corpus);
    const chosen = await chooseCheckpoints(store, corpus.id, opts.checkpoints);
    const table = `token_blocks_${opened++}`;
    // Rows numbered once, so a block is a range of row numbers.
    await store.db.run(`CREATE OR REPLACE TEMP TABLE ${table} AS
      SELECT (row_number() OVER (ORDER BY cd.doc_index, t.position) - 1)::INTEGER AS row, cd.doc_index, t.doc_id, t.position, t.token_id
      FROM ${DISTINCT_DOCS} cd JOIN tokens t ON t.doc_id = cd.doc_id WHERE t.position > 0 ORDER BY row`, { c: corpus.id });
    const rows = Number(await store.value<bigint>(`SELECT count(*) FROM ${table}`));
    return new TokenBlocks(store, table, corpus, chosen, rows);
  }

  /** Every row's document, position and token: the matrix's columns but the log-probs. */
  async ids(): Promise<Pick<TokenMatrix, 'corpus' | 'doc' | 'position' | 'tokenId'>> {
    const [doc, position, tokenId] = (await this.store.db.runAndReadAll(`SELECT doc_index, position, token_id FROM ${this.table} ORDER BY row`)).getColumns() as number[][];
    return { corpus: this.corpus.id, doc: Int32Array.from(doc), position: Int32Array.from(position), tokenId: Int32Array.from(tokenId) };
  }

  /** Every row once, in order, `size` rows a block (default BLOCK_TOKENS). */
  async *read(size = BLOCK_TOKENS): AsyncGenerator<TokenBlock> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`TokenBlocks.read: block size must be a positive integer, got ${size}`);
    for (let start = 0; start < this.rows; start += size) yield await this.block(start, Math.min(size, this.rows - start));
  }

  async close(): Promise<void> {
    await this.store.db.run(`DROP TABLE IF EXISTS ${this.table}`);
  }

  private async block(start: number, size: number): Promise<TokenBlock> {
    const rows = `r.row >= ${start} AND r.row < ${start + size}`;
    const flat = new Float32Array(size * this.checkpoints.length).fill(NaN);
    if (this.checkpoints.length > 0) {
      const [[lo, hi]] = await this.store.rows<[number, number]>(`SELECT min(doc_id), max(doc_id) FROM ${this.table} r WHERE ${rows}`);
      const columns = this.checkpoints.map((c, i) => `(${c.id}, ${i})`).join(', ');
      // The doc_id bounds let DuckDB skip the row groups of other documents; each row's place in
      // `flat` comes from SQL, as converting fewer columns is what makes reading fast.
      const result = await this.store.db.run(
        `SELECT c.col * ${size} + r.row - ${start}, lp.logprob FROM ${this.table} r
         JOIN logprobs lp ON lp.doc_id = r.doc_id AND lp.position = r.position JOIN (VALUES ${columns}) c(ckpt_id, col) ON c.ckpt_id = lp.ckpt_id
         WHERE ${rows} AND lp.doc_id BETWEEN ${lo} AND ${hi}`);
      for (let chunk; (chunk = await result.fetchChunk()) && chunk.rowCount > 0;) {
        const [at, lp] = chunk.getColumns() as number[][];
        for (let i = 0; i < at.length; i++) flat[at[i]] = lp[i];
      }
    }
    return { start, rows: size, logprobs: this.checkpoints.map((_, c) => flat.subarray(c * size, (c + 1) * size)) };
  }
}
