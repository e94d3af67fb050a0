import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTokenMatrix } from '../../harness/analysis/tokens/matrix.js';
import { tinySuite } from '../support/tiny-suite.js';
import { lmb } from '../support/cli.js';

describe('lmb tokens --shard, then lmb merge --tokens', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmb-tokens-merge-'));
  tinySuite(root, 'tiny', ['seed-a', 'seed-b'], [0, 100, 200]);
  const corpus = join(root, 'corpus.txt');
  writeFileSync(corpus, 'First document here.\n\nAnd a second one, longer than the first.\n\nFirst document here.\n');
  const env = { LMB_CACHE: join(root, 'cache') };
  const tokens = (...more: string[]) => lmb({ env }, 'tokens', '--suite', join(root, 'tiny'), '--corpus', corpus, '--device', 'cpu', ...more);
  const store = (name: string) => join(root, `${name}.duckdb`);

  it('reads back the same per-token matrix as one unsharded store, whatever the merge order', async () => {
    const runs = await Promise.all([tokens('--store', store('single')), tokens('--shard', '1/2', '--store', store('s1')), tokens('--shard', '2/2', '--store', store('s2'))]);
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    expect(runs[1].stdout).toMatch(/checkpoints: 3 \(3 added/);

    const merged = await lmb({ env }, 'merge', '--tokens', store('s2'), store('s1'), '--store', store('merged'));
    expect(merged.status, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/s2\.duckdb into .*merged\.duckdb: 3 new checkpoints, 2 new documents, 6 new \(checkpoint, document\) scores/);
    expect(merged.stdout).toMatch(/s1\.duckdb into .*: 3 new checkpoints, 0 new documents, 6 new/);
    const again = await lmb({ env }, 'merge', '--tokens', store('s1'), '--store', store('merged'));
    expect(again.stdout).toMatch(/0 new checkpoints, 0 new documents, 0 new/);

    const [one, many] = await Promise.all([readTokenMatrix(store('single'), { corpus }), readTokenMatrix(store('merged'), { corpus })]);
    expect(many.checkpoints).toEqual(one.checkpoints);
    expect(many.checkpoints.map((c) => `${c.run}@${c.step}`)).toEqual(['seed-a@0', 'seed-a@100', 'seed-a@200', 'seed-b@0', 'seed-b@100', 'seed-b@200']);
    expect(many.tokenId).toEqual(one.tokenId);
    expect(many.logprobs).toEqual(one.logprobs);
    expect(many.top1).toEqual(one.top1);
    expect(many.logprobs.every((lp) => lp.every(Number.isFinite))).toBe(true);

    // An analysis read from the merged store writes the same files, byte for byte.
    const scatter = (name: string) => lmb({ env }, 'scatter', 'seed-a@0', 'seed-b@final', '--suite', join(root, 'tiny'), '--corpus', corpus, '--store', store(name), '--out', join(root, `scatter-${name}`), '--device', 'cpu');
    for (const r of [await scatter('single'), await scatter('merged')]) expect(r.status, r.stderr).toBe(0);
    for (const f of ['scatter.json', 'scatter.md', 'scatter.svg']) {
      expect(readFileSync(join(root, 'scatter-merged', f), 'utf8'), f).toBe(readFileSync(join(root, 'scatter-single', f), 'utf8'));
    }
  }, 120_000);

  it('one-line errors for a missing store and for merging a store into itself', async () => {
    const missing = await lmb({ env }, 'merge', '--tokens', store('nope'), '--store', store('x'));
    const self = await lmb({ env }, 'merge', '--tokens', store('x'), '--store', store('x'));
    expect(missing.stderr).toMatch(/^lmb: FILE_MISSING: token store .*nope\.duckdb does not exist\. Pass the \.duckdb files/);
    expect(self.stderr).toMatch(/^lmb: OPTION_INVALID: cannot merge token store .*x\.duckdb into itself\. Merge the shards into another --store/);
    for (const r of [missing, self]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
