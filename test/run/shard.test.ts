import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShard, shardItems } from '../../harness/run/shard.js';
import { caught } from '../support/errors.js';

describe('parseShard', () => {
  it('reads i/n', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShard(' 1/1 ')).toEqual({ index: 1, count: 1 });
  });

  it.each(['0/3', '4/3', '1/0', '1', 'a/b', '1/2/3', '-1/2'])('refuses %s with a one-line error', (text) => {
    const e = caught(() => parseShard(text));
    expect(e.code).toBe('SHARD_INVALID');
    expect(e.oneLine()).toMatch(/^--shard ".*" is not i\/n with 1 <= i <= n\. Write e\.g\. --shard 1\/4/);
  });
});

describe('shardItems', () => {
  it('deals a run-by-run grid out like cards', () => {
    const grid = ['a@0', 'a@10', 'a@20', 'b@0', 'b@10', 'b@20', 'c@0'];
    expect(shardItems(grid, { index: 1, count: 3 })).toEqual(['a@0', 'b@0', 'c@0']);
    expect(shardItems(grid, { index: 2, count: 3 })).toEqual(['a@10', 'b@10']);
    expect(shardItems(grid, { index: 3, count: 3 })).toEqual(['a@20', 'b@20']);
    expect(shardItems(grid, undefined)).toEqual(grid);
  });

  it('splits any grid into disjoint shards that cover it, sizes within one of each other (1000 cases)', () => {
    let cases = 0;
    fc.assert(fc.property(fc.nat(200), fc.integer({ min: 1, max: 40 }), (size, count) => {
      cases++;
      const grid = Array.from({ length: size }, (_, i) => i);
      const shards = Array.from({ length: count }, (_, i) => shardItems(grid, { index: i + 1, count }));
      expect(shards.flat().sort((x, y) => x - y)).toEqual(grid);
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }), { numRuns: 1000, seed: 7 });
    expect(cases).toBe(1000);
  });
});
