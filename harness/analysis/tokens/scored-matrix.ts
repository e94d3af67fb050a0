import type { LoadOptions } from '../../model/load.js';
import type { GridItem } from '../../suite/select.js';
import type { Suite } from '../../suite/suite.js';
import type { TextTokenizer } from '../../tokenize/tokenizer.js';
import { readTokenMatrix, type CheckpointPick, type TokenMatrix } from './matrix.js';
import { scoreCorpus, type CorpusScores } from './score-corpus.js';
import type { TokenStore } from './store.js';

/** What every analysis of per-token log-probs is told: the suite, the corpus, the store, how to run models. */
export interface TokenAnalysisOptions {
  suite: Suite;
  /** A .txt or .jsonl file (default: the bundled OpenWebText sample). */
  corpus?: string;
  /** The project's cache folder: the weight-hash index, and the token store's default place. */
  cacheDir: string;
  /** The DuckDB token store (default: `<cacheDir>/tokens.duckdb`). */
  store?: string;
  /** Preceding tokens shown with each token reported (default 8). */
  contextTokens?: number;
  model?: Omit<LoadOptions, 'configOverrides'>;
  onCheckpoint?: (done: number, total: number, label: string) => void;
}

/**
 * Scores the corpus with `checkpoints` (only what the store lacks) and reads their per-token
 * log-probs back, one column per checkpoint in the order given; with the suite's tokenizer, which
 * tokenized the corpus, to show tokens and contexts.
 */
export async function scoredMatrix(store: TokenStore, checkpoints: readonly GridItem[], opts: TokenAnalysisOptions): Promise<{ scores: CorpusScores; matrix: TokenMatrix; tokenizer: TextTokenizer }> {
  const { scores, tokenizer, picks } = await scoredCorpus(store, checkpoints, opts);
  return { scores, matrix: await readTokenMatrix(store, { corpus: scores.corpus, checkpoints: picks }), tokenizer };
}

/** scoredMatrix() without reading the matrix: the store's picks of `checkpoints`, for reading it in blocks (TokenBlocks). */
export async function scoredCorpus(store: TokenStore, checkpoints: readonly GridItem[], opts: TokenAnalysisOptions): Promise<{ scores: CorpusScores; tokenizer: TextTokenizer; picks: CheckpointPick[] }> {
  const { tokenizer, ...scores } = await scoreCorpus({
    suite: opts.suite,
    grid: checkpoints,
    cacheDir: opts.cacheDir,
    corpus: opts.corpus,
    store,
    model: opts.model,
    onCheckpoint: opts.onCheckpoint && ((done, total, run, ref) => opts.onCheckpoint!(done, total, `${run.name}@${ref.step}`)),
  });
  return { scores, tokenizer, picks: checkpoints.map((c) => ({ run: c.run.name, step: c.ref.step, suite: opts.suite.name })) };
}
