import { resolve } from 'node:path';
import { openCheckpoint } from '../../model/checkpoint.js';
import { loadModel, type LoadOptions } from '../../model/load.js';
import { ResultCache } from '../../run/result-cache.js';
import { Scorer, type ScorerOptions } from '../../score/scorer.js';
import { lookahead } from '../../suite/lookahead.js';
import type { CheckpointRef, Run, Suite } from '../../suite/suite.js';
import { openTokenizer } from '../../tokenize/open.js';
import { checkTokenizerFits, type TextTokenizer } from '../../tokenize/tokenizer.js';
import { LmbError } from '../../errors.js';
import { OPENWEBTEXT_SAMPLE } from '../induction.js';
import { readCorpus } from './corpus.js';
import { TokenStore, type StoredCorpus } from './store.js';

export interface ScoreCorpusOptions {
  suite: Suite;
  /** Which checkpoints of each run (default: all). */
  select?: (run: Run) => readonly CheckpointRef[];
  /** A .txt (documents separated by blank lines) or .jsonl file (default: the bundled OpenWebText sample). */
  corpus?: string;
  /** The DuckDB file, or an open store (default: TokenStore.defaultPath()). */
  store?: string | TokenStore;
  /** Remembers weight hashes for the checkpoint keys (default: the result cache). */
  cache?: ResultCache;
  model?: Omit<LoadOptions, 'configOverrides'>;
  scorer?: ScorerOptions;
  /** Tokens given to the scorer at once (default 65536); whole documents, so a longer one goes alone. */
  chunkTokens?: number;
  /** Checkpoints fetched ahead of the one being scored (default 2). */
  ahead?: number;
  onCheckpoint?: (done: number, total: number, run: Run, ref: CheckpointRef) => void;
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
}

/**
 * Scores every document of a corpus with every selected checkpoint and stores per-token
 * log-probs and top-1 ids. Each checkpoint's new rows are committed in one transaction, and
 * only (checkpoint, document) pairs not yet stored are computed: re-running adds nothing, a new
 * checkpoint or document adds just that. A checkpoint with nothing missing is never loaded.
 */
export async function scoreCorpus(opts: ScoreCorpusOptions): Promise<CorpusScores> {
  const source = resolve(opts.corpus ?? OPENWEBTEXT_SAMPLE);
  const texts = readCorpus(source);
  const plan = opts.suite.runs.flatMap((run) => (opts.select ? opts.select(run) : run.checkpoints).map((ref) => ({ run, ref })));
  if (plan.length === 0) throw new LmbError('SELECTION_EMPTY', `no checkpoints of suite ${opts.suite.name} were selected`, 'Check the checkpoint selection');
  const store = typeof opts.store === 'object' ? opts.store : await TokenStore.open(opts.store);
  const cache = opts.cache ?? new ResultCache(ResultCache.defaultDir());
  try {
    let corpus: StoredCorpus | undefined;
    let tokenizer: { dir: string; tok: TextTokenizer } | undefined;
    let documents: number[][] = [];
    const out: { ckpt: number; row: Omit<CheckpointTokens, 'meanLoss'> }[] = [];
    let index = 0;
    for await (const { dir: path } of lookahead(plan.map((p) => p.ref), opts.ahead ?? 2)) {
      const { run, ref } = plan[index];
      opts.onCheckpoint?.(index, plan.length, run, ref);
      const { dir, weightsPath } = openCheckpoint(path);
      if (!corpus) {
        // The tokenizer beside the first checkpoint tokenizes the corpus once, for every run.
        tokenizer = { dir, tok: openTokenizer(dir) };
        documents = texts.map((t) => tokenizer!.tok.encode(t));
        corpus = await store.addCorpus(source, documents);
      }
      const key = cache.checkpointKey(dir, weightsPath, run.configOverrides);
      const ckpt = await store.checkpointId(key, { suite: opts.suite.name, run: run.name, step: ref.step, name: ref.name });
      const done = await store.doneDocs(ckpt);
      const missing = [...new Set(corpus.docIds)].filter((d) => !done.has(d));
      let added = 0;
      if (missing.length > 0) {
        const firstIndex = new Map(corpus.docIds.map((d, i) => [d, i] as const).reverse());
        const model = await loadModel(path, { ...opts.model, configOverrides: { ...run.configOverrides } });
        try {
          checkTokenizerFits(tokenizer!.tok, model.vocabSize, tokenizer!.dir);
          const scorer = new Scorer(model, opts.scorer);
          added = await store.writeCheckpoint(ckpt, async (append) => {
            for (const chunk of chunks(missing, (d) => documents[firstIndex.get(d)!].length, opts.chunkTokens ?? 65536)) {
              const scores = await scorer.score(chunk.map((d) => documents[firstIndex.get(d)!]));
              chunk.forEach((d, i) => append(d, scores[i]));
            }
          });
        } finally {
          await model.dispose();
        }
      }
      out.push({ ckpt, row: { run: run.name, step: ref.step, key, added } });
      index++;
    }
    const losses = await store.meanLoss(corpus!.id, out.map((o) => o.ckpt));
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
