/** Per-token log-probs of a corpus under many checkpoints, stored column-wise in DuckDB. */
export { readCorpus } from './corpus.js';
export { TokenStore, type AppendScores, type CheckpointLabel, type StoredCorpus } from './store.js';
export { scoreCorpus, type CheckpointTokens, type CorpusScores, type ScoreCorpusOptions } from './score-corpus.js';
export { chooseCheckpoints, readTokenMatrix, type CheckpointPick, type ChosenCheckpoint, type StoredCheckpoint, type TokenMatrix } from './matrix.js';
export { BLOCK_TOKENS, TokenBlocks, type TokenBlock } from './blocks.js';
export { mergeTokenStore, type MergedStore } from './merge-stores.js';
export { documentTokens, precedingText } from './documents.js';
export { scoredCorpus, scoredMatrix, type TokenAnalysisOptions } from './scored-matrix.js';
