import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchProject } from '../support/behaviours-project.js';
import { writeGpt2Checkpoint } from '../support/echo-gpt2.js';

/** A run killed with SIGKILL mid-way resumes: nothing stored is recomputed, the matrix is the same. */
const repo = join(import.meta.dirname, '..', '..');
const project = scratchProject('e2e-resume');

const words = ['apple', 'river', 'stone', 'cloud', 'green', 'house', 'table', 'music', 'light', 'paper'];
mkdirSync(join(project, 'behaviours'));
writeFileSync(join(project, 'behaviours', 'echo.behaviour.ts'), `import { behaviour, next } from '${repo}/harness/spec/index.ts';
export default behaviour('echo', { description: 'test', probes: ${JSON.stringify(words)}.map((w) => next(\`I said \${w}\`, \` \${w}\`)) });
`);
const family = join(project, 'family');
const steps = [0, 10, 20, 30, 40, 50];
steps.forEach((step, i) => writeGpt2Checkpoint(join(family, 'only', `checkpoint-${step}`), { echo: i % 2 === 1, seed: i + 1 }));

const args = [join(repo, 'bin', 'lmb.js'), 'run', '--suite', family, '--device', 'cpu'];
const env = (cache: string) => ({ ...process.env, LMB_CACHE: join(project, cache), NO_COLOR: '1' });
const matrix = () => readFileSync(join(project, 'snapshots', 'family', 'matrix.json'), 'utf8');

describe('a run killed with SIGKILL', () => {
  it('resumes without recomputing stored checkpoints and ends with the same matrix', async () => {
    const killed = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: project, env: env('killed') });
      let err = '';
      child.stderr.on('data', (d) => {
        err += String(d);
        if (/\[2\/6\]/.test(err)) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve(err));
    });
    expect(killed).toMatch(/\[2\/6\]/);
    expect(killed).not.toMatch(/\[6\/6\]/);
    const stored = readdirSync(join(project, 'killed', 'answers'));
    expect(stored.filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(2);
    expect(stored.filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const resumed = spawnSync(process.execPath, args, { cwd: project, env: env('killed'), encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toMatch(/\[1\/6\] only @ step 0: 0 computed, 10 cached/);
    expect(resumed.stderr).toMatch(/\[2\/6\] only @ step 10: 0 computed, 10 cached/);
    expect(resumed.stderr).toMatch(/\[6\/6\] only @ step 50: \d+ computed/);
    const afterResume = matrix();

    const clean = spawnSync(process.execPath, args, { cwd: project, env: env('clean'), encoding: 'utf8' });
    expect(clean.status).toBe(0);
    expect(matrix()).toBe(afterResume);
  }, 120_000);
});
