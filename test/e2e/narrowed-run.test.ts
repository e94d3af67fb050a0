import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextSpec, scratchProject } from '../support/behaviours-project.js';
import { writeGpt2Checkpoint } from '../support/echo-gpt2.js';

/**
 * `lmb run` and `lmb converge` as a user narrows them, in a scratch project started from a
 * subfolder: the project root is found from there, a narrowed run rewrites only its own cells,
 * and `converge --steps` loads only the checkpoints it compares.
 */
const repo = join(import.meta.dirname, '..', '..');
const project = scratchProject('e2e-narrowed');

const words = ['apple', 'river', 'stone', 'cloud', 'green', 'house', 'table', 'music'];
mkdirSync(join(project, 'behaviours'));
writeFileSync(join(project, 'behaviours', 'echo.behaviour.ts'), nextSpec('echo', 'I said ${w}', words));
writeFileSync(join(project, 'behaviours', 'again.behaviour.ts'), nextSpec('again', 'Again: ${w}. Again:', words));
const family = join(project, 'family');
writeGpt2Checkpoint(join(family, 'alpha', 'checkpoint-0'), { echo: false, seed: 1 });
writeGpt2Checkpoint(join(family, 'alpha', 'checkpoint-10'), { echo: true, seed: 2 });
writeGpt2Checkpoint(join(family, 'beta', 'checkpoint-0'), { echo: false, seed: 3 });
writeGpt2Checkpoint(join(family, 'beta', 'checkpoint-10'), { echo: true, seed: 4 });
const sub = join(project, 'notes', 'deeper');
mkdirSync(sub, { recursive: true });

function lmb(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repo, 'bin', 'lmb.js'), ...args, '--suite', family, '--device', 'cpu'], {
    cwd: sub, encoding: 'utf8', env: { ...process.env, LMB_CACHE: '', NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const snapshot = (file: string) => readFileSync(join(project, 'snapshots', 'family', file), 'utf8');

describe('narrowed runs, from a subfolder of the project', () => {
  it('lmb run from a subfolder writes the project\'s snapshots and cache, not the subfolder\'s', () => {
    const r = lmb('run');
    expect(r.stderr).toBe('lmb: evaluating 16 probes on 4 checkpoints\n' +
      ['alpha @ step 0', 'alpha @ step 10', 'beta @ step 0', 'beta @ step 10'].map((c, i) => `lmb: [${i + 1}/4] ${c}: 16 computed, 0 cached\n`).join(''));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('updated 8 cells in snapshots/family/{matrix.json,matrix.md,heatmap.svg,convergence.json,convergence.md,emergence.svg}');
    expect(JSON.parse(snapshot('matrix.json')).cells.echo.alpha['10']).toMatchObject({ passed: 8, total: 8 });
    expect(existsSync(join(project, '.cache', 'lmb', 'answers'))).toBe(true);
    expect(readdirSync(sub)).toEqual([]);
  }, 60_000);

  it('--checkpoints, --runs and --behaviours update only their cells; every other cell and the convergence diffs stay byte for byte', () => {
    const before = JSON.parse(snapshot('matrix.json'));
    const convergence = snapshot('convergence.json');
    // The echo spec now asks for other words: its probe set changes, the "again" spec's does not.
    writeFileSync(join(project, 'behaviours', 'echo.behaviour.ts'), nextSpec('echo', 'I said ${w}', [...words.slice(0, 6), 'paper', 'horse']));
    const r = lmb('run', '--checkpoints', '10', '--runs', 'beta', '--behaviours', 'again');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('[1/1] beta @ step 10: 0 computed, 8 cached');
    expect(r.stdout).toContain('updated 1 cells, kept the 7 other committed cells in snapshots/family/{matrix.json,matrix.md,heatmap.svg}');
    expect(r.stdout).toContain('convergence.json/md left as they were');
    expect(snapshot('matrix.json')).toBe(`${JSON.stringify(before, null, 2)}\n`);
    expect(snapshot('convergence.json')).toBe(convergence);

    // Narrowed to the edited spec: its new probe set replaces its row; the cells it did not compute are dropped, and it says so.
    const echo = lmb('run', '--checkpoints', '10', '--behaviours', 'echo');
    expect(echo.status).toBe(0);
    expect(echo.stdout).toContain('echo: probe set changed: 8 -> 8 probes; dropped its 2 committed cells outside this run');
    const after = JSON.parse(snapshot('matrix.json'));
    expect(after.cells.again).toEqual(before.cells.again);
    expect(Object.keys(after.cells.echo.alpha)).toEqual(['10']);
    expect(after.probeSets.echo.hash).not.toBe(before.probeSets.echo.hash);
  }, 60_000);

  it('converge --steps evaluates only the checkpoints at those steps', () => {
    const r = lmb('converge', '--steps', '10', '--format', 'json');
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes(' @ step '))).toEqual(['lmb: [1/2] alpha @ step 10: 0 computed, 16 cached', 'lmb: [2/2] beta @ step 10: 0 computed, 16 cached']);
    const c = JSON.parse(r.stdout);
    expect(c.steps).toEqual([{ label: 'step 10', step: 10 }]);
    expect(c.pairs).toHaveLength(1);
    for (const steps of ['10,', '', 'ten']) {
      const bad = lmb('converge', '--steps', steps);
      expect(bad.status, steps).toBe(1);
      expect(bad.stderr).toMatch(/^lmb: OPTION_INVALID: --steps must be comma-separated steps/);
    }
    const missing = lmb('converge', '--steps', '5');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('lmb: STEP_UNKNOWN: run alpha has no checkpoint at step 5; nearest: 0, 10. Pick an existing step, or a range such as 1000-5000\n');
  }, 60_000);
});
