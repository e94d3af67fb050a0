import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nextSpec, scratchProject } from '../support/behaviours-project.js';

const LMB = join(import.meta.dirname, '..', '..', 'bin', 'lmb.js');
const DEMO = join(import.meta.dirname, '..', '..', 'suites', 'demo', 'runs');
const lmb = (...args: string[]) => spawnSync(process.execPath, [LMB, ...args], { encoding: 'utf8' });
const root = mkdtempSync(join(tmpdir(), 'lmb-audit-'));
// scratchProject registers its own clean-up, so it is made here, at the file's top level.
const project = scratchProject('audit-run');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('lmb audit', () => {
  it('finds nothing wrong with the demo family as trained', () => {
    const run = lmb('audit', '--suite', 'demo', '--format', 'json', '--device', 'cpu');
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ suite: 'demo', checkpoints: 33, duplicates: [], misplaced: [], missing: [] });
  });

  it('finds what was planted in a copy: a step holding step 0\'s weights, one holding another seed\'s final weights, a missing step', () => {
    const runs = join(root, 'runs');
    cpSync(DEMO, runs, { recursive: true });
    const weights = (run: string, step: number) => join(runs, run, `checkpoint-${step}`, 'pytorch_model.bin');
    copyFileSync(weights('seed-1', 0), weights('seed-1', 20));
    // Like CRFM's arwen checkpoint-10: weights from late in training under an early step's name.
    copyFileSync(join(DEMO, 'seed-3', 'checkpoint-4000', 'pytorch_model.bin'), weights('seed-2', 50));
    rmSync(join(runs, 'seed-3', 'checkpoint-700'), { recursive: true });
    const out = join(root, 'out');
    const run = lmb('audit', '--suite', runs, '--format', 'json', '--device', 'cpu', '--out', out);
    expect(run.status, run.stderr).toBe(0);
    const audit = JSON.parse(run.stdout);
    expect(audit.checkpoints).toBe(32);
    expect(audit.duplicates).toEqual([{ run: 'seed-1', steps: [0, 20], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(audit.misplaced).toHaveLength(1);
    expect(audit.misplaced[0]).toMatchObject({ run: 'seed-2', step: 50 });
    expect(audit.misplaced[0].resembles).toBeGreaterThanOrEqual(1600);
    expect(audit.misplaced[0].distance * 2).toBeLessThan(audit.misplaced[0].neighbourDistance);
    expect(audit.missing).toEqual([{ run: 'seed-3', steps: [700] }]);
    const md = readFileSync(join(out, 'audit.md'), 'utf8');
    expect(md).toMatch(/^\| seed-1 \| 0, 20 \| [0-9a-f]{12} \|$/m);
    expect(md).toMatch(/^\| seed-2 \| 50 \| \d+ \| \d\.\d{4} \| \d+ \| \d\.\d{4} \|$/m);
    expect(md).toContain('| seed-3 | 700 |');
    expect(JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8'))).toEqual(audit);

    // lmb run says so too, in one line, and goes on.
    mkdirSync(join(project, 'behaviours'));
    writeFileSync(join(project, 'behaviours', 'echo.behaviour.ts'), nextSpec('echo', 'I said ${w}', ['apple', 'river']));
    const evaluated = spawnSync(process.execPath, [LMB, 'run', '--suite', runs, '--runs', 'seed-1', '--checkpoints', '0,20,50', '--device', 'cpu', '--root', project],
      { encoding: 'utf8', env: { ...process.env, LMB_CACHE: '', NO_COLOR: '1' } });
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(evaluated.stderr.split('\n').filter((l) => l.includes('same weights'))).toEqual([`lmb: seed-1: step 20 holds the same weights as step 0 (lmb audit --suite ${runs.split('/').pop()} lists every such pair)`]);
  }, 120_000);
});
