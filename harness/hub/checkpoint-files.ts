/**
 * Which files of a hub revision make a loadable checkpoint. Everything else a training run
 * pushes (optimizer state, trainer state, training args) stays on the hub.
 */

import { WEIGHT_FILES, WEIGHT_FILES_NAMED } from '../model/checkpoint.js';
import { isShardIndex } from '../model/weights/shards.js';

/** Weight files in order of preference; only the first one present is downloaded (as harness/model/checkpoint.ts prefers), with its shards. */
export { WEIGHT_FILES };

/** Downloaded when present: the config is required, the tokenizer files are small and let a checkpoint tokenize by itself. */
export const CONFIG_FILE = 'config.json';
export const TOKENIZER_FILES = ['tokenizer.json', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json'] as const;

export interface FileChoice {
  readonly files: readonly string[];
  /** One of `files` that is a shard index: the shards it names are fetched once it is. */
  readonly shardIndex?: string;
  /** What a usable snapshot lacks, in words (e.g. `config.json`). */
  readonly missing: readonly string[];
}

/** Chooses what to download from a revision's file list (also used to check a cached snapshot). */
export type ChooseFiles = (available: readonly string[]) => FileChoice;

export const allFiles: ChooseFiles = (available) => ({ files: available, missing: [] });

export const checkpointFiles: ChooseFiles = (available) => {
  const has = new Set(available);
  const weights = WEIGHT_FILES.find((f) => has.has(f));
  const files = [CONFIG_FILE, ...TOKENIZER_FILES, ...(weights ? [weights] : [])].filter((f) => has.has(f));
  const missing = [...(has.has(CONFIG_FILE) ? [] : [CONFIG_FILE]), ...(weights ? [] : [WEIGHT_FILES_NAMED])];
  return { files, missing, ...(weights && isShardIndex(weights) ? { shardIndex: weights } : {}) };
};
