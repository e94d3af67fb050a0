import type { KvCache } from './kv-cache.js';

/**
 * What the scoring layer needs from a model: one forward pass over a right-padded batch.
 * Requests, batching and windows live in score/; this interface knows nothing of them.
 */
export interface ForwardResult {
  /** [B * K]: log p(targets[b][k] | ids[b][<= positions[b][k]]). */
  logprobs: Float32Array;
  /** [B * K]: argmax p(. | ids[b][<= positions[b][k]]). */
  top1: Int32Array;
  /** Per layer, [B, H, T, T] attention probabilities, when asked for. */
  attentions?: Float32Array[];
}

export interface ForwardOptions {
  positions?: number[][];
  attentions?: boolean;
}

/** New tokens after a cache (or starting their rows), for `LanguageModel.forwardCached`. */
export interface CachedStep {
  /** B rows of T new tokens, right-padded; row b's first `lengths[b]` are real. */
  ids: number[][];
  lengths: readonly number[];
  /** The cache these tokens continue, one row per batch row; none: the rows start here. */
  past?: KvCache;
  /** The K new-token indices of each row to score, and the token each should report. */
  positions: number[][];
  targets: number[][];
}

export interface CachedForwardResult extends ForwardResult {
  /**
   * The past with the new tokens' keys and values after it, padding masked (`appendTokens`):
   * written into the past's free slots when it has room, else into new buffers with `reserve`
   * free slots for tokens to come. Call it once, and only on the newest result of a cache.
   */
  present(reserve?: number): KvCache;
}

export interface LanguageModel {
  /** Where the model came from (a path), for messages. */
  readonly source: string;
  readonly vocabSize: number;
  /** The longest sequence one forward pass accepts. */
  readonly contextLength: number;
  /** Layers and heads, where the format says (needed for attention patterns). */
  readonly layers?: number;
  readonly heads?: number;
  /** Where the tokenizer files are, if any sit beside the model. */
  readonly tokenizerDir?: string;
  /** The device the session runs on. */
  readonly device: string;
  /**
   * `ids`: B rows of equal length T (pad on the right with any valid id). `positions`: the K
   * positions of each row to score (default: all T); `targets`: one id per scored position.
   */
  forward(ids: number[][], targets: number[][], opts?: ForwardOptions): Promise<ForwardResult>;
  /**
   * Present on models built with a key/value cache: scores new tokens after cached ones, so a
   * shared context runs once and decoding feeds one token per step.
   */
  forwardCached?(step: CachedStep): Promise<CachedForwardResult>;
  /** Bytes one token takes in the cache, with `forwardCached`. */
  readonly cacheTokenBytes?: number;
  dispose(): Promise<void>;
}

/** Every position of rows of length T, the default set of scored positions. */
export function allPositions(rows: number, T: number): number[][] {
  const row = Array.from({ length: T }, (_, t) => t);
  return Array.from({ length: rows }, () => row);
}

export function flattenIds(rows: number[][]): BigInt64Array {
  const T = rows[0]?.length ?? 0;
  const out = new BigInt64Array(rows.length * T);
  rows.forEach((r, b) => r.forEach((id, t) => (out[b * T + t] = BigInt(id))));
  return out;
}
