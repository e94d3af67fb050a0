/**
 * Keys and values a cached graph returned, kept between forward passes. Per layer, keys and
 * values are [rows, kvHeads, capacity, headDim] float32 arrays, of which the first `length`
 * slots of every row are in use; the graph reads all `capacity` slots and the mask says which
 * hold a real token (1) rather than padding or nothing yet (0). Free slots let decoding append a
 * token per step without copying the cache, and a row's block is contiguous, so rows that leave
 * are dropped by moving the later ones down.
 */
export interface KvCache {
  readonly rows: number;
  readonly capacity: number;
  readonly length: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly keys: readonly Float32Array[];
  readonly values: readonly Float32Array[];
  /** [rows * capacity]. */
  readonly mask: Uint8Array;
}

/** A row of a cache, for `gatherRows`: its first `slots` slots (default: all in use). */
export interface CacheRow {
  readonly cache: KvCache;
  readonly row: number;
  readonly slots?: number;
}

/** The keys and values of T new tokens per row, per layer [rows, kvHeads, T, headDim], as the graph returns them. */
export interface NewTokens {
  readonly tokens: number;
  readonly keys: readonly Float32Array[];
  readonly values: readonly Float32Array[];
  /** How many of each row's T tokens are real. */
  readonly lengths: readonly number[];
}

/** A cache holding nothing yet, with `capacity` free slots per row. */
export function emptyCache(layers: number, rows: number, kvHeads: number, headDim: number, capacity = 0): KvCache {
  return { rows, capacity, length: 0, kvHeads, headDim, ...allocate(layers, rows, kvHeads, headDim, capacity) };
}

/** How many real tokens row `b` holds, which is also the position of its next token. */
export function realLength(cache: KvCache, b: number): number {
  let n = 0;
  for (let j = 0; j < cache.length; j++) n += cache.mask[b * cache.capacity + j];
  return n;
}

function allocate(layers: number, rows: number, kvHeads: number, headDim: number, capacity: number) {
  const buffers = () => Array.from({ length: layers }, () => new Float32Array(rows * kvHeads * capacity * headDim));
  return { keys: buffers(), values: buffers(), mask: new Uint8Array(rows * capacity) };
}

/** Copies `slots` slots of every head of one row between buffers of (possibly) different capacities. */
function copyRow(src: Float32Array, srcRow: number, srcCap: number, dst: Float32Array, dstRow: number, dstCap: number, dstAt: number,
  slots: number, kvHeads: number, headDim: number): void {
  for (let h = 0; h < kvHeads; h++) {
    const from = ((srcRow * kvHeads + h) * srcCap) * headDim;
    dst.set(src.subarray(from, from + slots * headDim), ((dstRow * kvHeads + h) * dstCap + dstAt) * headDim);
  }
}

/**
 * A new cache of the given rows, in order, from one cache or several, with `reserve` free slots
 * after the longest: each row keeps its slots and is padded (mask 0) to the longest. Rows that
 * are exactly one cache's, with room enough, are that cache, not a copy.
 */
export function gatherRows(rows: readonly CacheRow[], reserve = 0): KvCache {
  const first = rows[0].cache;
  const slots = rows.map((r) => Math.min(r.slots ?? r.cache.length, r.cache.length));
  if (rows.length === first.rows && rows.every((r, i) => r.cache === first && r.row === i && slots[i] === first.length)
    && first.capacity - first.length >= reserve) return first;
  const { kvHeads, headDim } = first;
  const length = Math.max(...slots);
  const capacity = length + reserve;
  const out = allocate(first.keys.length, rows.length, kvHeads, headDim, capacity);
  rows.forEach(({ cache, row }, b) => {
    for (let l = 0; l < cache.keys.length; l++) {
      copyRow(cache.keys[l], row, cache.capacity, out.keys[l], b, capacity, 0, slots[b], kvHeads, headDim);
      copyRow(cache.values[l], row, cache.capacity, out.values[l], b, capacity, 0, slots[b], kvHeads, headDim);
    }
    out.mask.set(cache.mask.subarray(row * cache.capacity, row * cache.capacity + slots[b]), b * capacity);
  });
  return { rows: rows.length, capacity, length, kvHeads, headDim, ...out };
}

/**
 * The cache with the new tokens after its `length` slots. With room for them they are written
 * into its free slots, so the cache passed in stays as it was but its free slots are taken (two
 * appends to one cache: the later wins); without, into new buffers with `reserve` free slots.
 */
export function appendTokens(cache: KvCache, add: NewTokens, reserve = 0): KvCache {
  const { rows, kvHeads, headDim } = cache;
  const T = add.tokens;
  if (cache.length === 0 && reserve === 0) {
    const mask = new Uint8Array(rows * T);
    add.lengths.forEach((n, b) => mask.fill(1, b * T, b * T + n));
    return { rows, capacity: T, length: T, kvHeads, headDim, keys: add.keys, values: add.values, mask };
  }
  const fits = cache.capacity - cache.length >= T;
  const capacity = fits ? cache.capacity : cache.length + T + reserve;
  const to = fits ? cache : allocate(add.keys.length, rows, kvHeads, headDim, capacity);
  for (let b = 0; b < rows; b++) {
    for (let l = 0; l < add.keys.length; l++) {
      if (!fits) {
        copyRow(cache.keys[l], b, cache.capacity, to.keys[l], b, capacity, 0, cache.length, kvHeads, headDim);
        copyRow(cache.values[l], b, cache.capacity, to.values[l], b, capacity, 0, cache.length, kvHeads, headDim);
      }
      copyRow(add.keys[l], b, T, to.keys[l], b, capacity, cache.length, T, kvHeads, headDim);
      copyRow(add.values[l], b, T, to.values[l], b, capacity, cache.length, T, kvHeads, headDim);
    }
    if (!fits) to.mask.set(cache.mask.subarray(b * cache.capacity, b * cache.capacity + cache.length), b * capacity);
    const at = b * capacity + cache.length;
    to.mask.fill(1, at, at + add.lengths[b]).fill(0, at + add.lengths[b], at + T);
  }
  return { rows, capacity, length: cache.length + T, kvHeads, headDim, keys: to.keys, values: to.values, mask: to.mask };
}

/**
 * The cache of only the given rows (ascending), made in place: later rows move down over the
 * ones that leave, so the cache passed in is no longer valid.
 */
export function keepRows(cache: KvCache, rows: readonly number[]): KvCache {
  const { kvHeads, headDim, capacity } = cache;
  const block = kvHeads * capacity * headDim;
  rows.forEach((r, i) => {
    if (r === i) return;
    for (const a of [...cache.keys, ...cache.values]) a.copyWithin(i * block, r * block, (r + 1) * block);
    cache.mask.copyWithin(i * capacity, r * capacity, (r + 1) * capacity);
  });
  const head = (a: Float32Array) => a.subarray(0, rows.length * block);
  return { ...cache, rows: rows.length, keys: cache.keys.map(head), values: cache.values.map(head), mask: cache.mask.subarray(0, rows.length * capacity) };
}

/** Bytes a cache of `tokens` slots takes, for budgets. */
export function cacheBytes(layers: number, kvHeads: number, headDim: number, tokens: number): number {
  return layers * 2 * kvHeads * headDim * tokens * 4;
}
