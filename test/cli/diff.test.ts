import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCell, type PassRateMatrix } from '../../harness/matrix/matrix.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-diff-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const lmb = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'lmb.js'), 'diff', ...args], { cwd, encoding: 'utf8' });

function matrix(rate: number): PassRateMatrix {
  return { suite: 'demo', behaviours: ['parentheses'], runs: [{ name: 'seed-1', steps: [100] }], cells: { parentheses: { 'seed-1': { 100: makeCell(rate, 100) } } } };
}

describe('lmb diff', () => {
  it('compares two matrix.json files', () => {
    writeFileSync(join(root, 'a.json'), JSON.stringify(matrix(40)));
    writeFileSync(join(root, 'b.json'), JSON.stringify(matrix(75)));
    const r = lmb(root, 'a.json', 'b.json');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| parentheses | seed-1 | 100 | 40% (40/100) | 75% (75/100) | ▲ 35 pts |');
  });

  it('compares the committed snapshots of two git revisions', () => {
    const repo = join(root, 'repo');
    mkdirSync(join(repo, 'snapshots', 'demo'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: repo });
    git('init', '-q');
    writeFileSync(join(repo, 'snapshots', 'demo', 'matrix.json'), JSON.stringify(matrix(80)));
    git('add', '.');
    git('commit', '-qm', 'base');
    writeFileSync(join(repo, 'snapshots', 'demo', 'matrix.json'), JSON.stringify(matrix(30)));
    git('commit', '-qam', 'head');
    const r = lmb(repo, 'HEAD~1', 'HEAD');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('### demo: behaviour pass rates that moved (HEAD~1 → HEAD)');
    expect(r.stdout).toContain('| parentheses | seed-1 | 100 | 80% (80/100) | 30% (30/100) | ▼ -50 pts |');
    const bad = lmb(repo, 'HEAD~1', 'no-such-rev');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^lmb: GIT_FAILED: git ls-tree .* failed/);
  });
});
