import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lmb } from '../support/cli.js';

describe('lmb pca', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmb-pca-cli-'));
  const corpus = join(root, 'corpus.txt');
  writeFileSync(corpus, 'The cat sat on the mat. The cat sat on the mat again, in 2019.\n\nA second, shorter document: the end.\n');
  const env = { LMB_CACHE: join(root, 'cache') };
  const base = ['pca', '--suite', 'demo', '--corpus', corpus, '--device', 'cpu'];

  it('writes json, md, loadings svg/png and variance svg to snapshots/<suite>/pca/ and prints the variance table', async () => {
    const run = await lmb({ cwd: root, env }, ...base, '--runs', 'seed-1,seed-2', '--checkpoints', '0,400,4000', '--components', '2', '--top', '3');
    expect(run.status, run.stderr).toBe(0);
    const dir = join(root, 'snapshots', 'demo', 'pca');
    for (const f of ['pca.json', 'pca.md', 'loadings.svg', 'loadings.png', 'variance.svg']) expect(existsSync(join(dir, f)), f).toBe(true);
    const json = JSON.parse(readFileSync(join(dir, 'pca.json'), 'utf8'));
    expect(json.models.map((m: { run: string; step: number }) => `${m.run}@${m.step}`)).toEqual(['seed-1@0', 'seed-1@400', 'seed-1@4000', 'seed-2@0', 'seed-2@400', 'seed-2@4000']);
    expect(json.tokens).toBeGreaterThan(20);
    expect(json.explained).toHaveLength(6);
    expect(json.explained.at(-1).cumulative).toBeCloseTo(1, 9);
    expect(json.components).toHaveLength(2);
    for (const c of json.components) {
      expect(c.loadings).toHaveLength(6);
      expect(c.loadings.reduce((s: number, x: number) => s + x * x, 0)).toBeCloseTo(1, 9);
      expect(c.high).toHaveLength(3);
      expect(c.low).toHaveLength(3);
      expect(c.high[0].score).toBeGreaterThan(c.low[0].score);
    }
    expect(readFileSync(join(dir, 'loadings.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(dir, 'pca.md'), 'utf8')).toMatch(/^## Component 2 \(\d+\.\d% of the variance\)$/m);
    expect(run.stdout).toMatch(/^# PCA of per-token losses \(demo\)$/m);
    expect(run.stdout).toMatch(/^\| 1 \| \d+\.\d{3} \| \d+\.\d% \| \d+\.\d% \|$/m);
    expect(run.stdout).toMatch(/wrote .*snapshots\/demo\/pca\/\{pca\.json,pca\.md,loadings\.svg,loadings\.png,variance\.svg\}/);
  });

  it('one-line errors: unknown run, unknown step, one checkpoint, more components than checkpoints', async () => {
    const [run, step, one, many] = await Promise.all([
      lmb({ cwd: root, env }, ...base, '--runs', 'seed-9'),
      lmb({ cwd: root, env }, ...base, '--checkpoints', '123'),
      lmb({ cwd: root, env }, ...base, '--runs', 'seed-1', '--checkpoints', 'final'),
      lmb({ cwd: root, env }, ...base, '--checkpoints', 'final', '--components', '4'),
    ]);
    expect(run.stderr).toMatch(/^lmb: RUN_UNKNOWN: suite demo has no run "seed-9"\. Use one of: seed-1/);
    expect(step.stderr).toMatch(/^lmb: STEP_UNKNOWN: run seed-1 has no checkpoint at step 123; nearest: 100, 200\. /);
    expect(one.stderr).toMatch(/^lmb: CHECKPOINTS_TOO_FEW: PCA needs at least 2 checkpoints; .* give 1 \(seed-1@4000\)\. Select more/);
    expect(many.stderr).toMatch(/^lmb: COMPONENTS_TOO_MANY: --components 4 is not between 1 and the 3 checkpoints selected\. Use --components 3/);
    for (const r of [run, step, one, many]) {
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
