import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextSpec, scratchProject, writeBehavioursConfig } from '../support/behaviours-project.js';
import { writeGpt2Checkpoint } from '../support/echo-gpt2.js';

/** `vitest --project behaviours --shard i/n --reporter blob`, then `--merge-reports`, in a scratch project. */
const repo = join(import.meta.dirname, '..', '..');
const project = scratchProject('e2e-vitest-shard');

const words = ['apple', 'river', 'stone', 'cloud', 'green', 'house', 'table', 'music'];
const spec = (name: string, template: string) => nextSpec(name, template, words);
writeBehavioursConfig(project);
mkdirSync(join(project, 'behaviours'));
const templates = { echo: 'I said ${w}', 'echo-twice': 'I said ${w}, I said ${w}', 'echo-quoted': 'She said "${w}" and I said', 'echo-late': 'Later on I said ${w}' };
for (const [name, t] of Object.entries(templates)) writeFileSync(join(project, 'behaviours', `${name}.behaviour.ts`), spec(name, t));
const family = join(project, 'family');
for (const [r, run] of ['alpha', 'beta'].entries()) {
  writeGpt2Checkpoint(join(family, run, 'checkpoint-0'), { echo: false, seed: 1 + r });
  writeGpt2Checkpoint(join(family, run, 'checkpoint-10'), { echo: true, seed: 3 + r });
}

function vitest(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, CI: '', GITHUB_ACTIONS: '', LMB_SUITE: family, LMB_DEVICE: 'cpu', NO_COLOR: '1', ...env },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('vitest --project behaviours --shard', () => {
  it('each shard evaluates only its spec files; merged blob reports hold every test once', () => {
    const whole = vitest(['--project', 'behaviours', '--reporter', 'json', '--outputFile', 'whole.json'], { LMB_CACHE: join(project, 'cache-whole') });
    expect(whole.status, whole.out).toBe(0);
    const expected = JSON.parse(readFileSync(join(project, 'whole.json'), 'utf8'));
    expect(expected.numTotalTests).toBe(16);

    const shards = [1, 2].map((i) => vitest(['--project', 'behaviours', '--shard', `${i}/2`, '--reporter', 'blob'], { LMB_CACHE: join(project, `cache-${i}`), CI: 'true' }));
    for (const s of shards) expect(s.status, s.out).toBe(0);
    // two spec files (16 probes) per shard, each checkpoint's probes computed by one shard only
    for (const s of shards) expect(s.out).toMatch(/\[1\/4\] alpha @ step 0: 16 computed, 0 cached/);
    expect(readdirSync(join(project, '.vitest-reports')).sort()).toEqual(['blob-1-2.json', 'blob-2-2.json']);

    const merged = vitest(['--merge-reports', '--reporter', 'json', '--outputFile', 'merged.json']);
    expect(merged.status, merged.out).toBe(0);
    const report = JSON.parse(readFileSync(join(project, 'merged.json'), 'utf8'));
    expect(report.numTotalTests).toBe(expected.numTotalTests);
    expect(report.numPassedTests).toBe(expected.numPassedTests);
    const names = (r: { testResults: { assertionResults: { fullName: string }[] }[] }) => r.testResults.flatMap((f) => f.assertionResults.map((a) => a.fullName)).sort();
    expect(names(report)).toEqual(names(expected));
  }, 240_000);

  it('refuses -u under --shard with the way to update', () => {
    const r = vitest(['--project', 'behaviours', '--shard', '1/2', '-u'], { LMB_CACHE: join(project, 'cache-1') });
    expect(r.status).toBe(1);
    expect(r.out).toContain('vitest -u with --shard would write a snapshot of only this shard\'s behaviours');
  }, 120_000);
});
