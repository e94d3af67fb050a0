/**
 * A suite is a model family: named runs (seeds), each a list of checkpoints by training step.
 * Where a checkpoint's files come from (a local folder, the Hugging Face hub) is the
 * checkpoint's own business: `fetch` returns a local directory the runtime can load.
 */
export interface CheckpointRef {
  readonly step: number;
  /** Stable name for caches and messages, e.g. `checkpoint-400000`. */
  readonly name: string;
  /** Makes the checkpoint's files available locally (downloading if needed); returns the directory. */
  fetch(signal?: AbortSignal): Promise<string>;
  /** Frees local space once results are stored (e.g. deletes downloaded weights); optional. */
  evict?(): Promise<void>;
}

export interface Run {
  /** Short name used in matrices and on the CLI, e.g. `alias` or `seed-1`. */
  readonly name: string;
  readonly seed?: number;
  /** Other names a user may type for this run (hub id, long name). */
  readonly aliases?: readonly string[];
  /** config.json fields forced for every checkpoint of this run (e.g. the CRFM attention flags). */
  readonly configOverrides?: Readonly<Record<string, unknown>>;
  /** Checkpoints in increasing step order. */
  readonly checkpoints: readonly CheckpointRef[];
}

export interface Suite {
  readonly name: string;
  readonly description?: string;
  /** Training tokens per optimizer step (sequence length x batch), for a tokens-seen axis across families. */
  readonly tokensPerStep?: number;
  readonly runs: readonly Run[];
}
