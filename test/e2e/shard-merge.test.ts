import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchProject } from '../support/behaviours-project.js';
import { writeGpt2Checkpoint } from '../support/echo-gpt2.js';

/** `lmb run --shard i/n` in n processes, then `lmb merge`, writes exactly what one `lmb run` writes. */
const repo = join(import.meta.dirname, '..', '..');
const project = scratchProject('e2e-shard');

const words = ['apple', 'river', 'stone', 'cloud', 'green', 'house', 'table', 'music'];
mkdirSync(join(project, 'behaviours'));
writeFileSync(join(project, 'behaviours', 'echo.behaviour.ts'), `import { behaviour, next, continuation, check } from '${repo}/harness/spec/index.ts';
export default behaviour('echo', { description: 'test', probes: ${JSON.stringify(words)}.map((w) => next(\`I said \${w}\`, \` \${w}\`)) });
`);
writeFileSync(join(project, 'behaviours', 'again.behaviour.ts'), `import { behaviour, continuation, check } from '${repo}/harness/spec/index.ts';
const says = (w: string) => check(\`says \${w}\`, (t) => t.includes(w));
export default behaviour('again', { description: 'test', probes: ${JSON.stringify(words)}.map((w) => continuation(\`I said \${w} and\`, 3, says(w))) });
`);
const family = join(project, 'family');
const steps = [0, 10, 20, 30];
for (const [r, run] of ['seed-1', 'seed-2', 'seed-3'].entries()) {
  steps.forEach((step, i) => writeGpt2Checkpoint(join(family, run, `checkpoint-${step}`), { echo: (i + r) % 3 !== 0, seed: 10 * r + i + 1 }));
}

const lmb = join(repo, 'bin', 'lmb.js');
const env = (cache: string) => ({ ...process.env, LMB_CACHE: join(project, cache), NO_COLOR: '1' });
const OUTPUTS = ['matrix.json', 'matrix.md', 'heatmap.svg', 'convergence.json', 'convergence.md'];
const outputs = () => Object.fromEntries(OUTPUTS.map((f) => [f, readFileSync(join(project, 'snapshots', 'family', f), 'utf8')]));

function runShard(i: number, n: number, results: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [lmb, 'run', '--suite', family, '--device', 'cpu', '--shard', `${i}/${n}`, '--results', results], { cwd: project, env: env(`cache-${i}`) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a grid run in shards', () => {
  it('merges into the same snapshot and convergence files, byte for byte, as one run', async () => {
    const single = spawnSync(process.execPath, [lmb, 'run', '--suite', family, '--device', 'cpu'], { cwd: project, env: env('single'), encoding: 'utf8' });
    expect(single.status, single.stderr).toBe(0);
    const expected = outputs();
    rmSync(join(project, 'snapshots'), { recursive: true });

    const results = join(project, 'shared-results');
    const shards = await Promise.all([1, 2, 3].map((i) => runShard(i, 3, results)));
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    expect(shards[0].stdout).toMatch(/^shard 1\/3: 4 of the grid's 12 checkpoints recorded in .*shared-results\/.*family\nwhen every shard is done: lmb merge/);
    expect(shards[0].stderr).toMatch(/\[1\/4\] seed-1 @ step 0/);
    expect(shards[1].stderr).toMatch(/\[1\/4\] seed-1 @ step 10/);

    const merged = spawnSync(process.execPath, [lmb, 'merge', '--suite', family, '--results', results], { cwd: project, env: env('merge'), encoding: 'utf8' });
    expect(merged.status, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/merged 12 checkpoints/);
    expect(outputs()).toEqual(expected);
    expect(JSON.parse(expected['matrix.json']).runs).toHaveLength(3);
  }, 240_000);

  it('a merge with a shard missing names the checkpoints it lacks', async () => {
    const results = join(project, 'partial-results');
    expect((await runShard(1, 5, results)).code).toBe(0);
    const merged = spawnSync(process.execPath, [lmb, 'merge', '--suite', family, '--results', results], { cwd: project, env: env('merge'), encoding: 'utf8' });
    expect(merged.status).toBe(1);
    expect(merged.stderr).toMatch(/^lmb: GRID_INCOMPLETE: 9 selected checkpoints of suite family have no results in .*: seed-1@10, seed-1@20, seed-1@30, seed-2@0, seed-2@20, seed-2@30, and 3 more\. Run the shards/);
    const empty = await runShard(15, 20, join(project, 'empty-results'));
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^shard 15\/20: 0 of the grid's 12 checkpoints recorded/);
  }, 120_000);
});
