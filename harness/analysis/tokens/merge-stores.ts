import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { LmbError, thrownLine } from '../../errors.js';
import type { TokenStore } from './store.js';

export interface MergedStore {
  source: string;
  /** Documents, checkpoints and (checkpoint, document) score sets the target did not have. */
  documents: number;
  checkpoints: number;
  scoredPairs: number;
}

/**
 * Copies into `into` everything another token store (a shard's) has that it lacks: documents
 * by token hash, checkpoints by content key, their names, corpora, and the log-probs of every
 * (checkpoint, document) pair not stored yet, in one transaction. Ids are the target's own, so
 * merging shards in any order reads back the same matrices.
 */
export async function mergeTokenStore(into: TokenStore, source: string): Promise<MergedStore> {
  const path = resolve(source);
  if (!existsSync(path)) throw new LmbError('FILE_MISSING', `token store ${path} does not exist`, 'Pass the .duckdb files the shards wrote (lmb tokens --shard i/n --store FILE)');
  if (path === into.path) throw new LmbError('OPTION_INVALID', `cannot merge token store ${path} into itself`, 'Merge the shards into another --store');
  const db = into.db;
  try {
    await db.run(`ATTACH '${path.replace(/'/g, "''")}' AS src (READ_ONLY)`);
  } catch (e) {
    throw new LmbError('TOKEN_STORE_UNREADABLE', `cannot read token store ${path}: ${thrownLine(e)}`, 'Check that it is a store lmb tokens wrote and that no process is writing it');
  }
  try {
    const version = await into.value<number>('SELECT max(version) FROM src.meta').catch(() => null);
    if (version !== 1) throw new LmbError('TOKEN_STORE_VERSION_UNKNOWN', `${path} is not a token store of schema version 1`, 'Re-score that shard with this lmb');
    await db.run('BEGIN TRANSACTION');
    try {
      for (const sql of MERGE) await db.run(sql);
      const counted = await into.rows<[bigint, bigint, bigint]>(
        'SELECT (SELECT count(*) FROM doc_map WHERE is_new), (SELECT count(*) FROM ckpt_map WHERE is_new), (SELECT count(*) FROM new_pairs)');
      for (const t of ['doc_map', 'ckpt_map', 'new_pairs']) await db.run(`DROP TABLE ${t}`);
      await db.run('COMMIT');
      const [documents, checkpoints, scoredPairs] = counted[0].map(Number);
      return { source: path, documents, checkpoints, scoredPairs };
    } catch (e) {
      await db.run('ROLLBACK');
      throw e;
    }
  } finally {
    await db.run('DETACH src');
  }
}

/** Source ids mapped to the target's (new ones numbered after its largest), then rows copied through the maps. */
const MERGE = [
  `CREATE TEMP TABLE doc_map AS
     SELECT s.doc_id AS src_id, d.doc_id AS dst_id, false AS is_new FROM src.docs s JOIN docs d ON d.hash = s.hash
     UNION ALL
     SELECT s.doc_id, (SELECT coalesce(max(doc_id), -1) FROM docs) + row_number() OVER (ORDER BY s.doc_id), true
     FROM src.docs s WHERE s.hash NOT IN (SELECT hash FROM docs)`,
  `INSERT INTO docs SELECT m.dst_id, s.hash, s.n_tokens FROM src.docs s JOIN doc_map m ON m.src_id = s.doc_id WHERE m.is_new`,
  `INSERT INTO tokens SELECT m.dst_id, t.position, t.token_id FROM src.tokens t JOIN doc_map m ON m.src_id = t.doc_id WHERE m.is_new`,
  `INSERT INTO corpora SELECT * FROM src.corpora WHERE corpus_id NOT IN (SELECT corpus_id FROM corpora)`,
  `INSERT INTO corpus_docs SELECT cd.corpus_id, cd.doc_index, m.dst_id FROM src.corpus_docs cd JOIN doc_map m ON m.src_id = cd.doc_id
     WHERE cd.corpus_id NOT IN (SELECT DISTINCT corpus_id FROM corpus_docs)`,
  `CREATE TEMP TABLE ckpt_map AS
     SELECT s.ckpt_id AS src_id, c.ckpt_id AS dst_id, false AS is_new FROM src.checkpoints s JOIN checkpoints c ON c.checkpoint_key = s.checkpoint_key
     UNION ALL
     SELECT s.ckpt_id, (SELECT coalesce(max(ckpt_id), -1) FROM checkpoints) + row_number() OVER (ORDER BY s.ckpt_id), true
     FROM src.checkpoints s WHERE s.checkpoint_key NOT IN (SELECT checkpoint_key FROM checkpoints)`,
  `INSERT INTO checkpoints SELECT m.dst_id, s.checkpoint_key FROM src.checkpoints s JOIN ckpt_map m ON m.src_id = s.ckpt_id WHERE m.is_new`,
  `INSERT OR REPLACE INTO checkpoint_names SELECT n.suite, n.run, n.step, n.name, m.dst_id FROM src.checkpoint_names n JOIN ckpt_map m ON m.src_id = n.ckpt_id`,
  `CREATE TEMP TABLE new_pairs AS
     SELECT d.ckpt_id AS src_ckpt, d.doc_id AS src_doc, cm.dst_id AS ckpt_id, dm.dst_id AS doc_id
     FROM src.done d JOIN ckpt_map cm ON cm.src_id = d.ckpt_id JOIN doc_map dm ON dm.src_id = d.doc_id
     WHERE NOT EXISTS (SELECT 1 FROM done x WHERE x.ckpt_id = cm.dst_id AND x.doc_id = dm.dst_id)`,
  `INSERT INTO logprobs SELECT p.ckpt_id, p.doc_id, l.position, l.logprob, l.top1
     FROM src.logprobs l JOIN new_pairs p ON p.src_ckpt = l.ckpt_id AND p.src_doc = l.doc_id`,
  `INSERT INTO done SELECT ckpt_id, doc_id FROM new_pairs`,
];
