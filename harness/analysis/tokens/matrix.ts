import { LmbError } from '../../errors.js';
import { DISTINCT_DOCS, TokenStore } from './store.js';

/** A stored checkpoint: its content key and the name it was scored under. */
export interface StoredCheckpoint {
  key: string;
  suite: string;
  run: string;
  step: number;
}

/** Which checkpoint: its content key, or a run and step (of `suite`, if several suites share run names). */
export type CheckpointPick = string | { run: string; step: number; suite?: string };

/**
 * Per-token scores of a corpus, one row per predicted token (every position but each
 * document's first) of each distinct document, in document then position order; one column per checkpoint.
 */
export interface TokenMatrix {
  corpus: string;
  /** Document index in the corpus, position in the document, and the token predicted there. */
  doc: Int32Array;
  position: Int32Array;
  tokenId: Int32Array;
  checkpoints: StoredCheckpoint[];
  /** logprobs[c][row]: log p(token | preceding tokens of its document) under checkpoints[c]; NaN if not stored. */
  logprobs: Float32Array[];
  /** top1[c][row]: that checkpoint's argmax prediction there; -1 if not stored. */
  top1: Int32Array[];
}

/**
 * Reads a corpus's per-token log-probs for chosen checkpoints (default: every named checkpoint
 * that has scored the whole corpus, by suite, run and step), one SQL column read per checkpoint.
 * `corpus` is a corpus id or the source file it was scored from.
 */
export async function readTokenMatrix(store: TokenStore | string, opts: { corpus: string; checkpoints?: readonly CheckpointPick[] }): Promise<TokenMatrix> {
  const s = typeof store === 'string' ? await TokenStore.open(store, { readOnly: true }) : store;
  try {
    const corpus = await s.corpus(opts.corpus);
    const chosen = await chooseCheckpoints(s, corpus.id, opts.checkpoints);
    const tokens = (await s.db.runAndReadAll(
      `SELECT cd.doc_index, t.position, t.token_id FROM ${DISTINCT_DOCS} cd JOIN tokens t ON t.doc_id = cd.doc_id
       WHERE t.position > 0 ORDER BY cd.doc_index, t.position`, { c: corpus.id })).getColumns() as number[][];
    const matrix: TokenMatrix = {
      corpus: corpus.id,
      doc: Int32Array.from(tokens[0]),
      position: Int32Array.from(tokens[1]),
      tokenId: Int32Array.from(tokens[2]),
      checkpoints: chosen.map(({ id: _, ...c }) => c),
      logprobs: [],
      top1: [],
    };
    for (const c of chosen) {
      const [lp, top] = (await s.db.runAndReadAll(
        `SELECT lp.logprob, lp.top1 FROM ${DISTINCT_DOCS} cd JOIN tokens t ON t.doc_id = cd.doc_id AND t.position > 0
         LEFT JOIN (SELECT * FROM logprobs WHERE ckpt_id = $k) lp ON lp.doc_id = t.doc_id AND lp.position = t.position
         ORDER BY cd.doc_index, t.position`, { c: corpus.id, k: c.id })).getColumns() as (number | null)[][];
      matrix.logprobs.push(Float32Array.from(lp, (x) => x ?? NaN));
      matrix.top1.push(Int32Array.from(top, (x) => x ?? -1));
    }
    return matrix;
  } finally {
    if (typeof store === 'string') s.close();
  }
}

/** A stored checkpoint with the store's id for it. */
export type ChosenCheckpoint = StoredCheckpoint & { id: number };

/** The checkpoints picked, in order; default: every named checkpoint that has scored the whole corpus, by suite, run and step. */
export async function chooseCheckpoints(s: TokenStore, corpusId: string, picks?: readonly CheckpointPick[]): Promise<ChosenCheckpoint[]> {
  return picks ? pickCheckpoints(s, picks) : completeCheckpoints(s, corpusId);
}

const NAMED = `SELECT c.ckpt_id, c.checkpoint_key, n.suite, n.run, n.step FROM checkpoints c JOIN checkpoint_names n ON n.ckpt_id = c.ckpt_id`;
const toChosen = ([id, key, suite, run, step]: [number, string, string, string, number]): ChosenCheckpoint => ({ id, key, suite, run, step });

async function completeCheckpoints(s: TokenStore, corpusId: string): Promise<ChosenCheckpoint[]> {
  const rows = await s.rows<[number, string, string, string, number]>(
    `${NAMED} WHERE (SELECT count(DISTINCT doc_id) FROM corpus_docs WHERE corpus_id = $c)
       = (SELECT count(*) FROM done d WHERE d.ckpt_id = c.ckpt_id AND d.doc_id IN (SELECT doc_id FROM corpus_docs WHERE corpus_id = $c))
     ORDER BY n.suite, n.run, n.step`, { c: corpusId });
  return rows.map(toChosen);
}

async function pickCheckpoints(s: TokenStore, picks: readonly CheckpointPick[]): Promise<ChosenCheckpoint[]> {
  const all = (await s.rows<[number, string, string, string, number]>(`${NAMED} ORDER BY n.suite, n.run, n.step`)).map(toChosen);
  return picks.map((p) => {
    const found = typeof p === 'string'
      ? all.find((c) => c.key === p)
      : all.find((c) => c.run === p.run && c.step === p.step && (p.suite === undefined || c.suite === p.suite));
    if (!found) {
      const what = typeof p === 'string' ? `checkpoint key ${p}` : `${p.suite ? `${p.suite} ` : ''}run ${p.run} step ${p.step}`;
      const some = all.slice(0, 6).map((c) => `${c.run}@${c.step}`).join(', ');
      throw new LmbError('CHECKPOINT_NOT_STORED', `token store ${s.path} has no ${what}; stored: ${some || 'none'}${all.length > 6 ? ', ...' : ''}`,
        'Score it first with lmb tokens --suite S --checkpoints STEPS');
    }
    return found;
  });
}
