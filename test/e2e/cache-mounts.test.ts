import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nextSpec } from '../support/behaviours-project.js';
import { writeGpt2Checkpoint } from '../support/echo-gpt2.js';

/**
 * The cache on a full disk and on a read-only mount (real tmpfs mounts, so this needs root, as CI
 * and this project's machines run; elsewhere it is skipped): a full disk is one coded line naming
 * the folder, and a read-only cache that already holds every answer is simply read.
 */
const repo = join(import.meta.dirname, '..', '..');
mkdirSync(join(repo, '.cache'), { recursive: true });
const project = mkdtempSync(join(repo, '.cache', 'e2e-mounts-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(project, { recursive: true, force: true });
});

function tmpfs(name: string, size: string): string | undefined {
  const dir = join(project, name);
  mkdirSync(dir);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0) return undefined;
  mounts.push(dir);
  return dir;
}
const canMount = process.getuid?.() === 0 && tmpfs('probe', '64k') !== undefined;

mkdirSync(join(project, 'behaviours'));
writeFileSync(join(project, 'behaviours', 'echo.behaviour.ts'), nextSpec('echo', 'I said ${w}', ['apple', 'river', 'stone', 'cloud']));
const family = join(project, 'family');
writeGpt2Checkpoint(join(family, 'only', 'checkpoint-0'), { echo: false, seed: 1 });
writeGpt2Checkpoint(join(family, 'only', 'checkpoint-10'), { echo: true, seed: 2 });

const lmb = (cache: string) => spawnSync(process.execPath, [join(repo, 'bin', 'lmb.js'), 'run', '--suite', family, '--device', 'cpu'],
  { cwd: project, encoding: 'utf8', env: { ...process.env, LMB_CACHE: cache, NO_COLOR: '1' } });

describe.skipIf(!canMount)('the cache on a full disk and a read-only mount', () => {
  it('a full disk is one line naming the folder, FOLDER_UNWRITABLE, not ENOSPC', () => {
    const disk = tmpfs('full', '1m')!;
    // Fill it: nothing is left for the cache.
    spawnSync('dd', ['if=/dev/zero', `of=${join(disk, 'filler')}`, 'bs=64k', 'count=64'], { stdio: 'ignore' });
    const r = lmb(join(disk, 'lmb'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^lmb: FOLDER_UNWRITABLE: cannot write in ${disk}/lmb[^\\n]*: the disk is full \\(ENOSPC\\)\\. Free space there`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it('a read-only cache that holds every answer is read: the run computes nothing and succeeds', () => {
    const disk = tmpfs('ro', '16m')!;
    const cache = join(disk, 'lmb');
    const first = lmb(cache);
    expect(first.status, first.stderr).toBe(0);
    expect(spawnSync('mount', ['-o', 'remount,ro', disk]).status).toBe(0);
    const again = lmb(cache);
    expect(again.stderr).toContain('[2/2] only @ step 10: 0 computed, 4 cached');
    expect(again.status, again.stderr).toBe(0);
  }, 60_000);
});
