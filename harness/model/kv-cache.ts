/**
 * Keys and values a cached graph returned, kept between forward passes: per layer one
 * [2, rows, kvHeads, length, headDim] float32 array (keys then values, ONNX Runtime's Attention
 * layout), and per row which of its `length` slots hold a real token (1) rather than padding (0).
 */
export interface KvCache {
  readonly rows: number;
  readonly length: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly layers: readonly Float32Array[];
  /** [rows * length]. */
  readonly mask: Uint8Array;
}

/** A row of a cache, for `gatherRows`. */
export interface CacheRow {
  readonly cache: KvCache;
  readonly row: number;
}

export function emptyCache(layers: number, rows: number, kvHeads: number, headDim: number): KvCache {
  return { rows, length: 0, kvHeads, headDim, layers: Array.from({ length: layers }, () => new Float32Array(0)), mask: new Uint8Array(0) };
}

/** How many real tokens row `b` holds, which is also the position of its next token. */
export function realLength(cache: KvCache, b: number): number {
  let n = 0;
  for (let j = 0; j < cache.length; j++) n += cache.mask[b * cache.length + j];
  return n;
}

/**
 * A new cache of the given rows, in order, from one cache or several: each row keeps its slots
 * and is padded (mask 0) to the longest. A cache whose rows are exactly its source is returned
 * as is, without a copy.
 */
export function gatherRows(rows: readonly CacheRow[]): KvCache {
  const first = rows[0].cache;
  if (rows.length === first.rows && rows.every((r, i) => r.cache === first && r.row === i)) return first;
  const { kvHeads, headDim } = first;
  const length = Math.max(...rows.map((r) => r.cache.length));
  const R = rows.length;
  const layers = first.layers.map((_, l) => {
    const out = new Float32Array(2 * R * kvHeads * length * headDim);
    rows.forEach(({ cache, row }, b) => {
      const src = cache.layers[l];
      for (let kv = 0; kv < 2; kv++) {
        for (let h = 0; h < kvHeads; h++) {
          const from = (((kv * cache.rows + row) * kvHeads + h) * cache.length) * headDim;
          const to = (((kv * R + b) * kvHeads + h) * length) * headDim;
          out.set(src.subarray(from, from + cache.length * headDim), to);
        }
      }
    });
    return out;
  });
  const mask = new Uint8Array(R * length);
  rows.forEach(({ cache, row }, b) => mask.set(cache.mask.subarray(row * cache.length, (row + 1) * cache.length), b * length));
  return { rows: R, length, kvHeads, headDim, layers, mask };
}

/** Bytes a cache of `tokens` slots takes, for budgets. */
export function cacheBytes(layers: number, kvHeads: number, headDim: number, tokens: number): number {
  return layers * 2 * kvHeads * headDim * tokens * 4;
}
