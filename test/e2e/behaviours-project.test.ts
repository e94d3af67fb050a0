import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextSpec, scratchProject, writeBehavioursConfig } from '../support/behaviours-project.js';
import { writeGpt2Checkpoint } from '../support/echo-gpt2.js';

/**
 * `vitest --project behaviours` end to end, in a scratch project: a spec file, a suite of two
 * runs on disk, snapshots written, a weight change caught with a readable diff, -u accepting it.
 */
const repo = join(import.meta.dirname, '..', '..');
const project = scratchProject('e2e-project');

const words = ['apple', 'river', 'stone', 'cloud', 'green', 'house', 'table', 'music', 'light', 'paper', 'horse', 'train',
  'bread', 'glass', 'chair', 'plant', 'water', 'sound', 'smile', 'dream'];
const spec = (name: string, template: string) => nextSpec(name, template, words);

writeBehavioursConfig(project);
mkdirSync(join(project, 'behaviours'));
writeFileSync(join(project, 'behaviours', 'echo.behaviour.ts'), spec('echo', 'I said ${w}'));
const family = join(project, 'family');
writeGpt2Checkpoint(join(family, 'alpha', 'checkpoint-0'), { echo: false, seed: 1 });
writeGpt2Checkpoint(join(family, 'alpha', 'checkpoint-10'), { echo: true, seed: 2 });
writeGpt2Checkpoint(join(family, 'beta', 'checkpoint-0'), { echo: false, seed: 3 });
writeGpt2Checkpoint(join(family, 'beta', 'checkpoint-10'), { echo: true, seed: 4 });

function vitest(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'behaviours', ...args], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, CI: '', GITHUB_ACTIONS: '', LMB_SUITE: family, LMB_CACHE: join(project, '.cache'), LMB_DEVICE: 'cpu', NO_COLOR: '1', ...env },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}
const matrix = () => JSON.parse(readFileSync(join(project, 'snapshots', 'family', 'matrix.json'), 'utf8'));

describe('vitest --project behaviours', () => {
  it('in CI, a missing snapshot fails and says how to write it', () => {
    const r = vitest([], { CI: 'true' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('no snapshot for echo · alpha @ step 0 in snapshots/family/matrix.json');
    expect(existsSync(join(project, 'snapshots'))).toBe(false);
  }, 60_000);

  it('writes the three snapshot files on a first local run, one test per run x step', () => {
    const r = vitest([]);
    expect(r.out).toContain('4 passed');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/lmb: wrote 4 cells into .*snapshots\/family\/matrix\.json/);
    for (const f of ['matrix.json', 'matrix.md', 'heatmap.svg']) expect(existsSync(join(project, 'snapshots', 'family', f))).toBe(true);
    const m = matrix();
    expect(m.cells.echo.alpha['10']).toMatchObject({ passed: 20, total: 20, rate: 1 });
    expect(m.cells.echo.beta['0'].rate).toBeLessThan(0.2);
    expect(readFileSync(join(project, 'snapshots', 'family', 'matrix.md'), 'utf8')).toContain('| echo | ');
  }, 60_000);

  it('changing a checkpoint\'s weights fails with a readable before/after; -u accepts it', () => {
    writeGpt2Checkpoint(join(family, 'alpha', 'checkpoint-10'), { echo: false, seed: 9 });
    const r = vitest([]);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/echo · alpha @ step 10: pass rate \d+% \(\d+\/20\) left the snapshot's 95% interval 84%–100% \(snapshot: 100% \(20\/20\)\)/);
    expect(r.out).toMatch(/Failing probes now \(5 of \d+\):\n\s+[0-9a-f]{12}  "I said apple"\n\s+expected next " apple"; got not " apple"/);
    expect(r.out).toContain('npx vitest --project behaviours -t "echo alpha @ step 10"');
    expect(r.out).toContain('1 failed');

    const u = vitest(['-u']);
    expect(u.status).toBe(0);
    expect(u.out).toMatch(/lmb: accepted 4 cells into .*snapshots\/family\/matrix\.json/);
    expect(matrix().cells.echo.alpha['10'].rate).toBeLessThan(0.5);
  }, 90_000);

  it('a spec that breaks a contract stops the run with lmb\'s one-line error, as lmb run prints it', () => {
    const bad = join(project, 'behaviours', 'bad.behaviour.ts');
    writeFileSync(bad, `import { behaviour, next } from '${repo}/harness/spec/index.ts';
export default behaviour('bad', { description: '', probes: [{ prompt: 'Pick', judge: { kind: 'choice', options: ['a'], answer: 0 } }] });
`);
    try {
      const r = vitest([]);
      expect(r.status).toBe(1);
      const line = 'lmb: PROBE_INVALID: behaviours/bad.behaviour.ts: behaviour "bad", probes[0] choice (prompt "Pick"): needs at least two options, got ["a"]';
      expect(r.out).toContain(line);
      expect(r.out).not.toContain('No test files found');
      expect(r.out).not.toMatch(/\n\s+at /);
      const cli = spawnSync(process.execPath, [join(repo, 'bin', 'lmb.js'), 'run', '--suite', family, '--device', 'cpu'], { cwd: project, encoding: 'utf8', env: { ...process.env, LMB_CACHE: join(project, '.cache') } });
      expect(cli.status).toBe(1);
      expect(cli.stderr.startsWith(line)).toBe(true);
    } finally {
      rmSync(bad);
    }
  }, 60_000);

  it('a new spec file is a new matrix row, and only its probes are computed', () => {
    writeFileSync(join(project, 'behaviours', 'echo-again.behaviour.ts'), spec('echo-again', 'We saw ${w}'));
    const r = vitest([]);
    expect(r.status).toBe(0);
    expect(r.out).toContain('8 passed');
    const lines = r.out.split('\n').filter((l) => l.startsWith('lmb: ['));
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(l).toMatch(/: 20 computed, 20 cached$/);
    expect(matrix().behaviours).toEqual(['echo', 'echo-again']);
    expect(matrix().cells['echo-again'].beta['10'].rate).toBe(1);
  }, 60_000);

  it('a cell that moved because its probes changed says so, instead of blaming the model', () => {
    const path = join(project, 'behaviours', 'echo-again.behaviour.ts');
    const before = readFileSync(path, 'utf8');
    const committed = matrix();
    writeFileSync(path, spec('echo-again', 'We saw ${w} and'));
    try {
      const r = vitest([]);
      expect(r.status).toBe(1);
      // Nothing of the new probe set is written without -u: the snapshot stays the committed one.
      expect(matrix()).toEqual(committed);
      expect(r.out).toMatch(/echo-again · beta @ step 10: probe set changed: 20 -> 20 probes since the snapshot, so its pass rate moved with its probes \(now \d+% \(\d+\/20\), snapshot 100% \(20\/20\)\)/);
      expect(r.out).not.toContain('echo · alpha @ step 10: probe set changed');
    } finally {
      writeFileSync(path, before);
    }
  }, 60_000);
});

describe('lmb run and lmb converge', () => {
  const lmb = (...args: string[]) => spawnSync(process.execPath, [join(repo, 'bin', 'lmb.js'), ...args], {
    cwd: project, encoding: 'utf8', env: { ...process.env, LMB_CACHE: join(project, '.cache'), NO_COLOR: '1' },
  });

  it('lmb run writes the snapshot and the convergence diffs and prints the matrix', () => {
    const r = lmb('run', '--suite', family, '--device', 'cpu');
    expect(r.stderr).toMatch(/lmb: \[4\/4\] beta @ step 10: 0 computed, 40 cached/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/alpha\n\s+0\s+10\necho\s+\d+%\s+\d+%/);
    const conv = JSON.parse(readFileSync(join(project, 'snapshots', 'family', 'convergence.json'), 'utf8'));
    expect(conv.steps).toEqual([{ label: 'middle', step: 0 }, { label: 'final', step: 10 }]);
    expect(conv.pairs.map((p: { runA: string; runB: string; step: number }) => `${p.runA}/${p.runB}@${p.step}`)).toEqual(['alpha/beta@0', 'alpha/beta@10']);
    expect(readFileSync(join(project, 'snapshots', 'family', 'convergence.md'), 'utf8')).toContain('| alpha | beta |');
  }, 60_000);

  it('lmb converge prints agreement as JSON; unknown behaviours and suites are one-line errors', () => {
    const r = lmb('converge', '--suite', family, '--steps', '10', '--format', 'json', '--device', 'cpu', '--behaviours', 'echo');
    expect(r.status).toBe(0);
    const c = JSON.parse(r.stdout);
    // At step 10 alpha was overwritten with random weights (fails nearly all), beta echoes (passes all).
    expect(c.pairs[0].overall.both + c.pairs[0].overall.onlyA + c.pairs[0].overall.onlyB + c.pairs[0].overall.neither).toBe(20);
    expect(c.pairs[0].overall.onlyB).toBeGreaterThan(10);
    const unknown = lmb('converge', '--suite', family, '--behaviours', 'nope');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^lmb: BEHAVIOUR_UNKNOWN: no behaviour named "nope" in .*behaviours\. Known: echo, echo-again\n$/);
    const noSuite = lmb('run', '--suite', 'no-such-suite');
    expect(noSuite.status).toBe(1);
    expect(noSuite.stderr).toMatch(/^lmb: SUITE_UNKNOWN: no suite "no-such-suite"/);
  }, 60_000);
});

describe('vitest --project behaviours -u after a spec is removed', () => {
  it('drops the removed behaviour\'s row, as vitest drops obsolete snapshots', () => {
    rmSync(join(project, 'behaviours', 'echo-again.behaviour.ts'));
    expect(vitest(['-u']).status).toBe(0);
    expect(matrix().behaviours).toEqual(['echo']);
    expect(matrix().cells['echo-again']).toBeUndefined();
  }, 60_000);
});
