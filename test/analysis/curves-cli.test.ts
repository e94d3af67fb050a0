import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lmb } from '../support/cli.js';

describe('lmb curves', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmb-curves-cli-'));
  const corpus = join(root, 'corpus.txt');
  writeFileSync(corpus, 'The cat sat on the mat. The cat sat on the mat again, in 2019.\n\nA second, shorter document: the end.\n');
  const env = { LMB_CACHE: join(root, 'cache') };
  const dir = join(root, 'snapshots', 'demo', 'curves');

  it('writes json, md, svg and png to snapshots/<suite>/curves/ and prints the markdown', async () => {
    const run = await lmb({ cwd: root, env }, 'curves', '--suite', 'demo', '--corpus', corpus, '--checkpoints', 'log:6', '--tokens', '10', '--examples', '2', '--device', 'cpu');
    expect(run.status, run.stderr).toBe(0);
    for (const f of ['curves.json', 'curves.md', 'curves.svg', 'curves.png']) expect(existsSync(join(dir, f)), f).toBe(true);
    const json = JSON.parse(readFileSync(join(dir, 'curves.json'), 'utf8'));
    expect(json).toMatchObject({ suite: 'demo', axis: { s0: 20 }, chosenBy: 'final-spread', rule: { bicMargin: 2, minCheckpoints: 5 } });
    expect(json.runs.map((r: { run: string }) => r.run)).toEqual(['seed-1', 'seed-2', 'seed-3']);
    expect(json.runs[0].steps).toEqual([0, 20, 100, 400, 1000, 4000]);
    for (const r of json.runs) expect(r.sShaped + r.smooth).toBe(10);
    expect(json.tokens).toHaveLength(10);
    const spreads = json.tokens.map((t: { disagreement: number }) => t.disagreement);
    expect(spreads).toEqual([...spreads].sort((a, b) => b - a));
    for (const c of json.tokens[0].runs) {
      expect(c.losses).toHaveLength(6);
      expect(['S-shaped', 'smooth']).toContain(c.class);
      expect(Number.isFinite(c.bic.logistic) && Number.isFinite(c.bic.smooth)).toBe(true);
    }
    expect(json.examples['S-shaped'].length + json.examples.smooth.length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'curves.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(run.stdout).toMatch(/^# Per-token loss curves \(demo\)$/m);
    expect(run.stdout).toMatch(/^\| seed-1 \| 6 \| 10 \| \d+ \(\d+\.\d%\) \| \d+ \| \d+ \| \d+ \| [\d,.a-z/]+ \|$/m);
  });

  it('--at fits just the tokens named', async () => {
    const first = JSON.parse(readFileSync(join(dir, 'curves.json'), 'utf8')).tokens[0];
    const run = await lmb({ cwd: root, env }, 'curves', '--suite', 'demo', '--corpus', corpus, '--checkpoints', 'log:6', '--at', `${first.doc}:${first.position}`, '--out', join(root, 'named'), '--device', 'cpu');
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(root, 'named', 'curves.json'), 'utf8'));
    expect(json.chosenBy).toBe('named');
    expect(json.tokens.map((t: { doc: number; position: number }) => [t.doc, t.position])).toEqual([[first.doc, first.position]]);
  });

  it('one-line errors: too few checkpoints, a token the corpus lacks', async () => {
    const few = await lmb({ cwd: root, env }, 'curves', '--suite', 'demo', '--corpus', corpus, '--checkpoints', '0,4000', '--device', 'cpu');
    expect(few.status).toBe(1);
    expect(few.stderr).toBe('lmb: CHECKPOINTS_TOO_FEW: run seed-1 has 2 checkpoints selected (0, 4000); a loss curve needs at least 5 to tell an S from a smooth curve. Select more, e.g. --checkpoints all or log:8\n');
    const missing = await lmb({ cwd: root, env }, 'curves', '--suite', 'demo', '--corpus', corpus, '--checkpoints', 'log:6', '--at', '0:0', '--device', 'cpu');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^lmb: TOKEN_NOT_IN_CORPUS: corpus [0-9a-f]{16} has no scored token at 0:0 .*\n$/);
  });
});
