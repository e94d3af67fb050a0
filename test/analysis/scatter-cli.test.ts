import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lmb } from '../support/cli.js';

describe('lmb scatter', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmb-scatter-cli-'));
  const corpus = join(root, 'corpus.txt');
  writeFileSync(corpus, 'The cat sat on the mat. The cat sat on the mat again, in 2019.\n\nA second, shorter document: the end.\n');
  const env = { LMB_CACHE: join(root, 'cache') };

  it('writes svg, png, json and md to snapshots/<suite>/scatter-<A>-vs-<B>/ and prints the markdown', async () => {
    const run = await lmb({ cwd: root, env }, 'scatter', 'seed-1@0', 'seed-1@final', '--suite', 'demo', '--corpus', corpus, '--top', '3', '--device', 'cpu');
    expect(run.status, run.stderr).toBe(0);
    const dir = join(root, 'snapshots', 'demo', 'scatter-seed-1@0-vs-seed-1@4000');
    for (const f of ['scatter.svg', 'scatter.png', 'scatter.json', 'scatter.md']) expect(existsSync(join(dir, f)), f).toBe(true);
    const json = JSON.parse(readFileSync(join(dir, 'scatter.json'), 'utf8'));
    expect(Number.isFinite(json.pearson)).toBe(true);
    expect(Number.isFinite(json.spearman)).toBe(true);
    expect(json.tokens).toBeGreaterThan(10);
    expect(json.outliers.aBetter.length + json.outliers.bBetter.length).toBeGreaterThan(0);
    expect(json.outliers.aBetter.length).toBeLessThanOrEqual(3);
    expect(json.classes.find((c: { class: string }) => c.class === 'seen-earlier').count).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'scatter.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(run.stdout).toMatch(/^# seed-1@0 vs seed-1@4000 \(demo\)$/m);
    expect(run.stdout).toMatch(/Pearson r = -?\d\.\d{3}, Spearman ρ = -?\d\.\d{3}/);
  });

  it('one-line error for a step the run lacks', async () => {
    const run = await lmb({ cwd: root, env }, 'scatter', 'seed-1@123', 'seed-2@final', '--suite', 'demo', '--corpus', corpus, '--device', 'cpu');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^lmb: STEP_UNKNOWN: run seed-1 of suite demo has no checkpoint at step "123"\. Use one of: 0, 20, .*, or final\n$/);
  });
});
