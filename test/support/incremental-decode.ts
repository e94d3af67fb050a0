import { keepRows, type KvCache } from '../../harness/model/kv-cache.js';
import { expect } from 'vitest';
import type { LanguageModel } from '../../harness/model/language-model.js';
import { maxAbsDiff } from './max-abs-diff.js';
import type { RefOutput } from './reference-gpt2.js';

/** Two rows of different lengths, and how much of each the first cached pass takes. */
export const ROWS = [
  [5, 17, 3, 50, 42, 42, 7, 1, 0, 33, 12, 5, 17, 3, 50, 58],
  [9, 2, 44, 13, 13, 8, 21, 30, 6, 1, 27],
];
export const PREFIX = [8, 1];

/**
 * Scores ROWS through the cache: both prefixes in one padded pass (the shorter row's padding
 * then sits inside its cache), then a token per step, rows leaving when done (the first row first, so the second moves down). The cache has
 * room for two more tokens, then grows a token at a time: both ways of appending. Returns per row
 * log p(ids[t] | ids[<t]) for t >= 1, and the top-1 there.
 */
export async function incremental(model: LanguageModel): Promise<{ logprobs: number[][]; top1: number[][] }> {
  const logprobs = ROWS.map(() => [] as number[]);
  const top1 = ROWS.map(() => [] as number[]);
  const width = Math.max(...PREFIX);
  const first = await model.forwardCached!({
    ids: ROWS.map((r, b) => [...r.slice(0, PREFIX[b]), ...new Array(width - PREFIX[b]).fill(0)]),
    lengths: PREFIX,
    positions: PREFIX.map((n) => Array.from({ length: width }, (_, k) => Math.min(k, n - 1))),
    targets: ROWS.map((r, b) => Array.from({ length: width }, (_, k) => r[Math.min(k, PREFIX[b] - 1) + 1])),
  });
  ROWS.forEach((_, b) => {
    for (let k = 0; k < PREFIX[b]; k++) {
      logprobs[b].push(first.logprobs[b * width + k]);
      top1[b].push(first.top1[b * width + k]);
    }
  });
  let cache: KvCache = first.present(2);
  let active = [0, 1];
  for (let step = 0; active.length; step++) {
    const out = await model.forwardCached!({
      ids: active.map((b) => [ROWS[b][PREFIX[b] + step]]),
      lengths: active.map(() => 1),
      past: cache,
      positions: active.map(() => [0]),
      targets: active.map((b) => [ROWS[b][PREFIX[b] + step + 1]]),
    });
    active.forEach((b, i) => {
      logprobs[b].push(out.logprobs[i]);
      top1[b].push(out.top1[i]);
    });
    cache = out.present();
    const keep = active.flatMap((b, i) => (PREFIX[b] + step + 2 < ROWS[b].length ? [i] : []));
    if (keep.length && keep.length < active.length) cache = keepRows(cache, keep);
    active = keep.map((i) => active[i]);
  }
  return { logprobs, top1 };
}

/** Each row of `incremental`'s answers equals a float64 reference's within 1e-4, top-1 for top-1. */
export function expectRowsMatch(got: { logprobs: number[][]; top1: number[][] }, reference: (row: number[]) => Pick<RefOutput, 'nextLogprobs' | 'top1'>): void {
  ROWS.forEach((r, b) => {
    const ref = reference(r);
    expect(maxAbsDiff(got.logprobs[b].slice(0, r.length - 1), ref.nextLogprobs)).toBeLessThanOrEqual(1e-4);
    expect(got.top1[b]).toEqual(ref.top1.slice(0, r.length - 1));
  });
}
