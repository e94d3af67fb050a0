import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { LmbError, thrownLine } from '../../errors.js';
import type { TokenScores } from '../../score/scorer.js';

const SCHEMA_VERSION = 1;

/**
 * Corpus $c's documents, each distinct one once, at its first place in the corpus: a document
 * repeated in a corpus would otherwise weigh twice in every statistic over tokens.
 */
export const DISTINCT_DOCS = '(SELECT doc_id, min(doc_index) AS doc_index FROM corpus_docs WHERE corpus_id = $c GROUP BY doc_id)';

/**
 * Tables, long and column-wise, so a million tokens x hundreds of checkpoints never sit in memory:
 * documents are keyed by the hash of their token ids (what a model scores), checkpoints by their
 * content key (CheckpointKeys.key), so a changed corpus or a renamed run reuses every
 * (checkpoint, document) already scored. Position 0 of a document has no prediction: not stored.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (version INTEGER);
CREATE TABLE IF NOT EXISTS docs (doc_id INTEGER PRIMARY KEY, hash VARCHAR UNIQUE, n_tokens INTEGER);
CREATE TABLE IF NOT EXISTS tokens (doc_id INTEGER, position INTEGER, token_id INTEGER);
CREATE TABLE IF NOT EXISTS corpora (corpus_id VARCHAR PRIMARY KEY, source VARCHAR, n_docs INTEGER, n_tokens BIGINT, created TIMESTAMP);
CREATE TABLE IF NOT EXISTS corpus_docs (corpus_id VARCHAR, doc_index INTEGER, doc_id INTEGER);
CREATE TABLE IF NOT EXISTS checkpoints (ckpt_id INTEGER PRIMARY KEY, checkpoint_key VARCHAR UNIQUE);
CREATE TABLE IF NOT EXISTS checkpoint_names (suite VARCHAR, run VARCHAR, step INTEGER, name VARCHAR, ckpt_id INTEGER, PRIMARY KEY (suite, run, step));
CREATE TABLE IF NOT EXISTS logprobs (ckpt_id INTEGER, doc_id INTEGER, position INTEGER, logprob FLOAT, top1 INTEGER);
CREATE TABLE IF NOT EXISTS done (ckpt_id INTEGER, doc_id INTEGER, PRIMARY KEY (ckpt_id, doc_id));
`;

/** A corpus as the store knows it: its documents' ids, in order. */
export interface StoredCorpus {
  id: string;
  source: string;
  /** Store doc id of each document, in corpus order (a repeated document repeats its id). */
  docIds: number[];
  tokens: number;
}

export interface CheckpointLabel {
  suite: string;
  run: string;
  step: number;
  name: string;
}

/** Writes one checkpoint's scores of some documents; see TokenStore.writeCheckpoint. */
export type AppendScores = (docId: number, scores: TokenScores) => void;

/** The DuckDB file behind `lmb tokens`: open it with TokenStore.open, close it when done. */
export class TokenStore {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly db: DuckDBConnection,
  ) {}

  /** The store in a project's cache folder: `<cacheDir>/tokens.duckdb`. */
  static pathIn(cacheDir: string): string {
    return join(cacheDir, 'tokens.duckdb');
  }

  static async open(path: string, opts: { readOnly?: boolean } = {}): Promise<TokenStore> {
    const file = resolve(path);
    let instance: DuckDBInstance;
    try {
      if (!opts.readOnly) mkdirSync(dirname(file), { recursive: true });
      instance = await DuckDBInstance.create(file, opts.readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (e) {
      throw new LmbError('TOKEN_STORE_UNREADABLE', `cannot open token store ${file}: ${thrownLine(e)}`,
        'Check that the path is writable and that no other lmb process has it open; or give this run its own --store and combine the two later with lmb merge --tokens');
    }
    const store = new TokenStore(file, instance, await instance.connect());
    if (!opts.readOnly) await store.db.run(SCHEMA);
    const version = await store.value<number>('SELECT max(version) FROM meta');
    if (version === null && !opts.readOnly) await store.db.run(`INSERT INTO meta VALUES (${SCHEMA_VERSION})`);
    else if (version !== SCHEMA_VERSION) {
      store.close();
      throw new LmbError('TOKEN_STORE_VERSION_UNKNOWN', `token store ${file} has schema version ${version}, this lmb reads version ${SCHEMA_VERSION}`, 'Use another --store path, or delete the file');
    }
    return store;
  }

  close(): void {
    this.db.closeSync();
    this.instance.closeSync();
  }

  /**
   * Records a tokenized corpus: documents not stored yet get an id and their tokens, all in one
   * transaction. The corpus id is a hash of its documents' token ids, in order.
   */
  async addCorpus(source: string, documents: readonly (readonly number[])[]): Promise<StoredCorpus> {
    const hashes = documents.map(docHash);
    const id = createHash('sha256').update(hashes.join('\n')).digest('hex').slice(0, 16);
    const tokens = documents.reduce((n, d) => n + d.length, 0);
    const known = new Map((await this.rows<[string, number]>('SELECT hash, doc_id FROM docs')).map(([h, d]) => [h, d]));
    await this.transaction(async () => {
      let next = (await this.value<number>('SELECT coalesce(max(doc_id), -1) + 1 FROM docs'))!;
      const docs = await this.db.createAppender('docs');
      const toks = await this.db.createAppender('tokens');
      documents.forEach((ids, i) => {
        if (known.has(hashes[i])) return;
        known.set(hashes[i], next);
        appendRow(docs, [next, hashes[i], ids.length]);
        ids.forEach((t, p) => appendRow(toks, [next, p, t]));
        next++;
      });
      docs.closeSync();
      toks.closeSync();
      const exists = await this.value<string>('SELECT corpus_id FROM corpora WHERE corpus_id = $id', { id });
      if (exists === null) {
        const cd = await this.db.createAppender('corpus_docs');
        hashes.forEach((h, i) => appendRow(cd, [id, i, known.get(h)!]));
        cd.closeSync();
        await this.db.run('INSERT INTO corpora VALUES ($id, $source, $n, $tokens, now())', { id, source, n: documents.length, tokens });
      } else {
        await this.db.run('UPDATE corpora SET source = $source WHERE corpus_id = $id', { id, source });
      }
    });
    return { id, source, docIds: hashes.map((h) => known.get(h)!), tokens };
  }

  /** A stored corpus by id, or by source path (the latest recorded from it). */
  async corpus(idOrSource: string): Promise<StoredCorpus> {
    const row = (await this.rows<[string, string, bigint]>(
      'SELECT corpus_id, source, n_tokens FROM corpora WHERE corpus_id = $x OR source = $path ORDER BY created DESC LIMIT 1',
      { x: idOrSource, path: resolve(idOrSource) }))[0];
    if (!row) {
      const known = (await this.rows<[string, string]>('SELECT corpus_id, source FROM corpora ORDER BY created DESC LIMIT 5')).map(([c, s]) => `${c} (${s})`);
      throw new LmbError('CORPUS_NOT_STORED', `token store ${this.path} has no corpus "${idOrSource}"; stored: ${known.join(', ') || 'none'}`,
        'Score it first with lmb tokens --corpus FILE');
    }
    const docIds = (await this.rows<[number]>('SELECT doc_id FROM corpus_docs WHERE corpus_id = $id ORDER BY doc_index', { id: row[0] })).map(([d]) => d);
    return { id: row[0], source: row[1], docIds, tokens: Number(row[2]) };
  }

  /** The store's id for a checkpoint content key, made on first use; `label` names it. */
  async checkpointId(key: string, label?: CheckpointLabel): Promise<number> {
    let id = await this.value<number>('SELECT ckpt_id FROM checkpoints WHERE checkpoint_key = $key', { key });
    if (id === null) {
      id = (await this.value<number>('SELECT coalesce(max(ckpt_id), -1) + 1 FROM checkpoints'))!;
      await this.db.run('INSERT INTO checkpoints VALUES ($id, $key)', { id, key });
    }
    if (label) {
      await this.db.run('INSERT OR REPLACE INTO checkpoint_names VALUES ($suite, $run, $step, $name, $id)', { ...label, id });
    }
    return id;
  }

  /** Which of `docIds` the checkpoint has scored. */
  async doneDocs(ckptId: number): Promise<Set<number>> {
    return new Set((await this.rows<[number]>('SELECT doc_id FROM done WHERE ckpt_id = $k', { k: ckptId })).map(([d]) => d));
  }

  /**
   * Runs `fill`, which appends the checkpoint's scores of whole documents, in one transaction:
   * the rows and the documents' `done` marks are committed together or not at all.
   */
  async writeCheckpoint(ckptId: number, fill: (append: AppendScores) => Promise<void>): Promise<number> {
    let rows = 0;
    await this.transaction(async () => {
      const lp = await this.db.createAppender('logprobs');
      const done = await this.db.createAppender('done');
      try {
        await fill((docId, s) => {
          for (let t = 1; t < s.ids.length; t++) {
            lp.appendInteger(ckptId);
            lp.appendInteger(docId);
            lp.appendInteger(t);
            lp.appendFloat(s.logprobs[t]);
            lp.appendInteger(s.top1[t]);
            lp.endRow();
          }
          rows += Math.max(0, s.ids.length - 1);
          appendRow(done, [ckptId, docId]);
        });
      } finally {
        lp.closeSync();
        done.closeSync();
      }
    });
    return rows;
  }

  /** Mean loss (nats per scored token) of each checkpoint over a corpus's distinct documents; NaN where nothing is stored. */
  async meanLoss(corpusId: string, ckptIds: readonly number[]): Promise<Map<number, number>> {
    const ids = ckptIds.map((k) => Math.trunc(k));
    const out = new Map(ids.map((k) => [k, NaN]));
    if (ids.length === 0) return out;
    const rows = await this.rows<[number, number]>(
      `SELECT lp.ckpt_id, -avg(lp.logprob) FROM ${DISTINCT_DOCS} cd JOIN logprobs lp ON lp.doc_id = cd.doc_id
       WHERE lp.ckpt_id IN (${ids.join(',')}) GROUP BY lp.ckpt_id`, { c: corpusId });
    for (const [k, loss] of rows) out.set(k, loss);
    return out;
  }

  /**
   * Writes one row per (run, step, document, position) of a corpus for the given checkpoints to a
   * Parquet file: the token's id and text, its log-prob and the top-1 prediction (null at a
   * document's first position, which has no prediction). Documents are numbered as in the corpus.
   */
  async exportParquet(file: string, corpusId: string, checkpoints: readonly { ckptId: number; run: string; step: number }[],
    tokenText: (id: number) => string): Promise<number> {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    await this.db.run('CREATE OR REPLACE TEMP TABLE export_ckpts (ckpt_id INTEGER, run VARCHAR, step INTEGER)');
    await this.db.run('CREATE OR REPLACE TEMP TABLE export_vocab (token_id INTEGER, text VARCHAR)');
    const ck = await this.db.createAppender('export_ckpts');
    for (const c of checkpoints) {
      ck.appendInteger(c.ckptId);
      ck.appendVarchar(c.run);
      ck.appendInteger(c.step);
      ck.endRow();
    }
    ck.closeSync();
    const ids = await this.rows<[number]>(
      `SELECT DISTINCT id FROM (SELECT t.token_id AS id FROM corpus_docs cd JOIN tokens t ON t.doc_id = cd.doc_id WHERE cd.corpus_id = $c
       UNION SELECT lp.top1 FROM corpus_docs cd JOIN logprobs lp ON lp.doc_id = cd.doc_id JOIN export_ckpts e ON e.ckpt_id = lp.ckpt_id WHERE cd.corpus_id = $c)`, { c: corpusId });
    const vocab = await this.db.createAppender('export_vocab');
    for (const [id] of ids) {
      vocab.appendInteger(id);
      vocab.appendVarchar(tokenText(id));
      vocab.endRow();
    }
    vocab.closeSync();
    const select = `SELECT e.run, e.step, cd.doc_index AS document, t.position, t.token_id, v.text AS token, lp.logprob, lp.top1 AS top1_id, v1.text AS top1
      FROM export_ckpts e CROSS JOIN corpus_docs cd JOIN tokens t ON t.doc_id = cd.doc_id
      LEFT JOIN logprobs lp ON lp.ckpt_id = e.ckpt_id AND lp.doc_id = t.doc_id AND lp.position = t.position
      LEFT JOIN export_vocab v ON v.token_id = t.token_id LEFT JOIN export_vocab v1 ON v1.token_id = lp.top1
      WHERE cd.corpus_id = $c ORDER BY e.run, e.step, document, t.position`;
    // COPY answers with the number of rows it wrote.
    return Number(await this.value<bigint>(`COPY (${select}) TO '${resolve(file).replace(/'/g, "''")}' (FORMAT parquet)`, { c: corpusId }));
  }

  async rows<T extends unknown[]>(sql: string, values?: Record<string, string | number>): Promise<T[]> {
    return (await this.db.runAndReadAll(sql, values)).getRows() as unknown as T[];
  }

  async value<T>(sql: string, values?: Record<string, string | number>): Promise<T | null> {
    const row = (await this.rows<[T | null]>(sql, values))[0];
    return row ? row[0] : null;
  }

  private async transaction(body: () => Promise<void>): Promise<void> {
    await this.db.run('BEGIN TRANSACTION');
    try {
      await body();
    } catch (e) {
      await this.db.run('ROLLBACK');
      throw e;
    }
    await this.db.run('COMMIT');
  }
}

/** What a model scores of a document: its token ids. */
function docHash(ids: readonly number[]): string {
  return createHash('sha256').update(new Uint8Array(Int32Array.from(ids).buffer)).digest('hex').slice(0, 32);
}

function appendRow(appender: DuckDBAppender, values: readonly (number | string)[]): void {
  for (const v of values) {
    if (typeof v === 'string') appender.appendVarchar(v);
    else appender.appendInteger(v);
  }
  appender.endRow();
}
