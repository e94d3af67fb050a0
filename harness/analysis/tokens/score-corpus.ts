import { resolve } from 'node:path';
import type { LoadOptions } from '../../model/load.js';
import { CheckpointKeys } from '../../run/checkpoint-key.js';
import { walkGrid } from '../../run/walk.js';
import { Scorer, type ScorerOptions } from '../../score/scorer.js';
import type { GridItem } from '../../suite/select.js';
import type { CheckpointRef, Run, Suite } from '../../suite/suite.js';
import type { TextTokenizer } from '../../tokenize/tokenizer.js';
import { OPENWEBTEXT_SAMPLE } from '../induction.js';
import { readCorpus } from './corpus.js';
import { TokenStore, type StoredCorpus } from './store.js';

export interface ScoreCorpusOptions {
  suite: Suite;
  /** The (run, checkpoint) pairs to score, in order (selectGrid). */
  grid: readonly GridItem[];
  /** Holds the weight-hash index behind the checkpoint keys (Project.cacheDir). */
  cacheDir: string;
  /** A .txt (documents separated by blank lines) or .jsonl file (default: the bundled OpenWebText sample). */
  corpus?: string;
  /** The DuckDB file, or an open store (default: `<cacheDir>/tokens.duckdb`). */
  store?: string | TokenStore;
  model?: Omit<LoadOptions, 'configOverrides'>;
  scorer?: ScorerOptions;
  /** Tokens given to the scorer at once (default 65536); whole documents, so a longer one goes alone. */
  chunkTokens?: number;
  /** Checkpoints fetched ahead of the one being scored (default 2). */
  ahead?: number;
  /** Delete each downloaded checkpoint's weights once its scores are stored. */
  evict?: boolean;
  onCheckpoint?: (done: number, total: number, run: Run, ref: CheckpointRef) => void;
  /** Also write the corpus's rows for these checkpoints to this Parquet file (TokenStore.exportParquet). */
  exportTo?: string;
}

export interface CheckpointTokens {
  run: string;
  step: number;
  key: string;
  /** Token scores written by this call, each distinct document once (0: everything was already stored). */
  added: number;
  /** Mean loss over the corpus's scored tokens, nats. */
  meanLoss: number;
}

export interface CorpusScores {
  store: string;
  corpus: string;
  source: string;
  documents: number;
  /** Documents with different token ids: a repeated document is scored and stored once. */
  distinctDocuments: number;
  /** Every token of every document, and the ones with a prediction (all but each document's first). */
  tokens: number;
  scoredTokens: number;
  checkpoints: CheckpointTokens[];
  /** Rows written to `exportTo`, when asked. */
  exported?: number;
}

/**
 * Scores every document of a corpus with every selected checkpoint and stores per-token
 * log-probs and top-1 ids. Each checkpoint's new rows are committed in one transaction, and
 * only (checkpoint, document) pairs not yet stored are computed: re-running adds nothing, a new
 * checkpoint or document adds just that. A checkpoint with nothing missing is never loaded.
 */
export async function scoreCorpus(opts: ScoreCorpusOptions): Promise<CorpusScores & { tokenizer: TextTokenizer }> {
  const source = resolve(opts.corpus ?? OPENWEBTEXT_SAMPLE);
  const texts = readCorpus(source);
  const store = typeof opts.store === 'object' ? opts.store : await TokenStore.open(opts.store ?? TokenStore.pathIn(opts.cacheDir));
  try {
    let corpus: StoredCorpus | undefined;
    let tokenizer: TextTokenizer | undefined;
    let documents: number[][] = [];
    const walk = { grid: opts.grid, suite: opts.suite.name, keys: new CheckpointKeys(opts.cacheDir), model: opts.model, ahead: opts.ahead, evict: opts.evict };
    const out = await walkGrid(walk, async (c) => {
      opts.onCheckpoint?.(c.index, c.total, c.run, c.ref);
      if (!corpus) {
        // The suite's tokenizer tokenizes the corpus once, for every run.
        tokenizer = c.tokenizer;
        documents = texts.map((t) => c.tokenizer.encode(t));
        corpus = await store.addCorpus(source, documents);
      }
      const ckpt = await store.checkpointId(c.key, { suite: opts.suite.name, run: c.run.name, step: c.ref.step, name: c.ref.name });
      const done = await store.doneDocs(ckpt);
      const missing = [...new Set(corpus.docIds)].filter((d) => !done.has(d));
      let added = 0;
      if (missing.length > 0) {
        const firstIndex = new Map(corpus.docIds.map((d, i) => [d, i] as const).reverse());
        const scorer = new Scorer(await c.model(), opts.scorer);
        added = await store.writeCheckpoint(ckpt, async (append) => {
          for (const chunk of chunks(missing, (d) => documents[firstIndex.get(d)!].length, opts.chunkTokens ?? 65536)) {
            const scores = await scorer.score(chunk.map((d) => documents[firstIndex.get(d)!]));
            chunk.forEach((d, i) => append(d, scores[i]));
          }
        });
      }
      return { ckpt, row: { run: c.run.name, step: c.ref.step, key: c.key, added } };
    });
    const losses = await store.meanLoss(corpus!.id, out.map((o) => o.ckpt));
    const exported = opts.exportTo === undefined ? undefined
      : await store.exportParquet(opts.exportTo, corpus!.id, out.map((o) => ({ ckptId: o.ckpt, run: o.row.run, step: o.row.step })), (id) => tokenizer!.tokenText(id));
    const tokens = documents.reduce((n, d) => n + d.length, 0);
    return {
      store: store.path,
      corpus: corpus!.id,
      source,
      documents: documents.length,
      distinctDocuments: new Set(corpus!.docIds).size,
      tokens,
      scoredTokens: documents.reduce((n, d) => n + Math.max(0, d.length - 1), 0),
      checkpoints: out.map((o) => ({ ...o.row, meanLoss: losses.get(o.ckpt)! })),
      tokenizer: tokenizer!,
      ...(exported === undefined ? {} : { exported }),
    };
  } finally {
    if (typeof opts.store !== 'object') store.close();
  }
}

/** Consecutive groups of items whose sizes add up to at most `max` (an item larger than `max` alone). */
function chunks<T>(items: readonly T[], size: (item: T) => number, max: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length > 0 && total + n > max) {
      out.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}
