import { LmbError } from '../errors.js';

/** One of `count` disjoint parts of a suite's (run, checkpoint) grid; `index` counts from 1, as on the CLI. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** `i/n` as typed after --shard (the form vitest uses). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new LmbError('SHARD_INVALID', `--shard "${text}" is not i/n with 1 <= i <= n`, 'Write e.g. --shard 1/4 for the first of four shards');
  }
  return { index, count };
}

/**
 * The items of `shard`, from a grid listed run by run in step order. The runs of a suite share
 * one architecture, so every checkpoint costs the same to fetch and evaluate: dealing the grid
 * out like cards gives every shard the same count (to within one) and a spread of steps from
 * every run. Deterministic, so shards on different machines agree without talking.
 */
export function shardItems<T>(grid: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...grid];
  return grid.filter((_, i) => i % shard.count === shard.index - 1);
}
