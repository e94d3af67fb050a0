import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { readTokenMatrix } from '../../harness/analysis/tokens/matrix.js';
import { TokenStore } from '../../harness/analysis/tokens/store.js';
import { tinySuite } from '../support/tiny-suite.js';
import { lmb } from '../support/cli.js';

describe('lmb tokens', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmb-tokens-cli-'));
  tinySuite(root, 'tiny', ['seed-a', 'seed-b'], [0, 100]);
  const corpus = join(root, 'corpus.txt');
  writeFileSync(corpus, 'First document here.\n\nAnd a second one.\n');
  const env = { LMB_CACHE: join(root, 'cache') };
  const args = ['tokens', '--suite', join(root, 'tiny'), '--checkpoints', '0', '--corpus', corpus, '--device', 'cpu'];

  it('prints the corpus, the checkpoints added or already stored and their mean loss; stores under LMB_CACHE', async () => {
    const run = await lmb({ env }, ...args);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^corpus [0-9a-f]{16} \(.*corpus\.txt\): 2 documents, \d+ tokens \(\d+ scored\)$/m);
    expect(run.stdout).toMatch(/checkpoints: 2 \(2 added, 0 already stored\) in .*cache\/tokens\.duckdb/);
    expect(run.stdout).toMatch(/seed-a\s+0\s+\d+\.\d{3}\s+[1-9]\d*/);
    const again = await lmb({ env }, ...args);
    expect(again.stdout).toMatch(/checkpoints: 2 \(0 added, 2 already stored\)/);
    expect(again.stdout).toMatch(/seed-b\s+0\s+\d+\.\d{3}\s+0$/m);
  });

  it('--export writes one row per (run, step, document, position) with token texts to Parquet, read back with read_parquet', async () => {
    const file = join(root, 'out', 'tokens.parquet');
    const run = await lmb({ env }, ...args, '--export', file);
    expect(run.status, run.stderr).toBe(0);
    const tokens = Number(/, (\d+) tokens \(/.exec(run.stdout)![1]);
    expect(run.stdout).toContain(`exported ${2 * tokens} rows to `);
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (await db.runAndReadAll(`SELECT run, step, document, position, token_id, token, logprob, top1_id, top1 FROM read_parquet('${file}')`)).getRowObjectsJson();
    expect(rows).toHaveLength(2 * tokens);
    expect(new Set(rows.map((r) => `${r.run}@${r.step}`))).toEqual(new Set(['seed-a@0', 'seed-b@0']));
    const firstDoc = rows.filter((r) => r.run === 'seed-a' && r.document === 0);
    expect(firstDoc.map((r) => r.token).join('')).toBe('First document here.');
    expect(firstDoc[0]).toMatchObject({ position: 0, logprob: null, top1_id: null });
    expect(firstDoc.slice(1).every((r) => typeof r.logprob === 'number' && (r.logprob as number) <= 0 && typeof r.top1 === 'string')).toBe(true);
    // Row for row what the store holds: every scored row's log-prob and top-1 as readTokenMatrix reads them.
    const m = await readTokenMatrix(env.LMB_CACHE + '/tokens.duckdb', { corpus });
    for (const [c, ckpt] of m.checkpoints.entries()) {
      const mine = new Map(rows.filter((r) => r.run === ckpt.run && r.position !== 0).map((r) => [`${r.document}:${r.position}`, r]));
      expect(mine.size).toBe(m.doc.length);
      m.doc.forEach((d, i) => {
        const r = mine.get(`${d}:${m.position[i]}`)!;
        expect([r.token_id, r.logprob, r.top1_id]).toEqual([m.tokenId[i], m.logprobs[c][i], m.top1[c][i]]);
      });
    }
    // The mean loss the summary prints, from the exported rows.
    const scored = rows.filter((r) => r.run === 'seed-a' && r.logprob !== null);
    const loss = -scored.reduce((a, r) => a + (r.logprob as number), 0) / scored.length;
    expect(run.stdout).toMatch(new RegExp(`seed-a\\s+0\\s+${loss.toFixed(3)}`));
    const bad = await lmb({ env }, ...args, '--export', join(root, 'tokens.csv'));
    expect(bad.stderr).toBe(`lmb: OPTION_INVALID: --export writes Parquet, and "${join(root, 'tokens.csv')}" does not end in .parquet. e.g. --export tokens.parquet\n`);
  });

  it('one-line errors: unknown suite, missing corpus, non-UTF-8 corpus', async () => {
    const latin1 = join(root, 'latin1.txt');
    writeFileSync(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    const [suite, missing, bytes] = await Promise.all([
      lmb({ env }, 'tokens', '--suite', 'no-such-suite', '--device', 'cpu'),
      lmb({ env }, ...args.slice(0, -4), '--corpus', join(root, 'missing.txt')),
      lmb({ env }, ...args.slice(0, -4), '--corpus', latin1),
    ]);
    expect(suite.status).toBe(1);
    expect(suite.stderr).toMatch(/^lmb: SUITE_\w+: .*no-such-suite/);
    expect(missing.stderr).toMatch(/^lmb: CORPUS_MISSING: corpus file .*missing\.txt does not exist\. /);
    expect(bytes.stderr).toMatch(/^lmb: CORPUS_NOT_UTF8: .* \(near byte 3\)\. /);
    for (const r of [suite, missing, bytes]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a store another process is writing: a one-line error that says how to run both', async () => {
    const path = join(root, 'busy.duckdb');
    const held = await TokenStore.open(path);
    try {
      const run = await lmb({ env }, ...args, '--store', path);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^lmb: TOKEN_STORE_UNREADABLE: cannot open token store .*busy\.duckdb: .*\. .*give this run its own --store and combine the two later with lmb merge --tokens\n$/);
    } finally {
      held.close();
    }
  });
});
