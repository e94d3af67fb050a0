import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withLock, withLockSync } from '../../harness/files/lock.js';
import { AnswerCache } from '../../harness/run/answer-cache.js';
import { caught } from '../support/errors.js';

const dir = () => mkdtempSync(join(tmpdir(), 'lmb-lock-'));
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const repo = join(import.meta.dirname, '..', '..');

describe('withLock', () => {
  it('lets one holder in at a time and removes its file after', async () => {
    const lock = join(dir(), 'x.lock');
    const events: string[] = [];
    const hold = (name: string) => withLock(lock, async () => {
      events.push(`${name} in`);
      expect(readFileSync(lock, 'utf8')).toBe(`${hostname()}:${process.pid}`);
      await new Promise((r) => setTimeout(r, 50));
      events.push(`${name} out`);
    }, { pollMs: 5 });
    await Promise.all([hold('a'), hold('b'), hold('c')]);
    // Waiters are not served in order, but never two at once: every "in" is followed by its own "out".
    expect(events).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(events[i + 1]).toBe(events[i].replace(' in', ' out'));
    expect(events.filter((e) => e.endsWith(' in')).sort()).toEqual(['a in', 'b in', 'c in']);
    expect(existsSync(lock)).toBe(false);
  });

  it('releases when the work throws', async () => {
    const lock = join(dir(), 'x.lock');
    await expect(withLock(lock, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose holder on this host is dead', () => {
    const lock = join(dir(), 'x.lock');
    writeFileSync(lock, `${hostname()}:${deadPid()}`);
    expect(withLockSync(lock, () => 42, { timeoutMs: 2000 })).toBe(42);
  });

  it('waits for a live holder elsewhere, says whom it waits for, and gives up with a one-line error', () => {
    const lock = join(dir(), 'x.lock');
    writeFileSync(lock, 'other-host:123');
    const told: string[] = [];
    const e = caught(() => withLockSync(lock, () => 1, { timeoutMs: 200, pollMs: 20, onWait: (h) => told.push(h) }));
    expect(told).toEqual(['other-host:123']);
    expect(e.code).toBe('LOCK_TIMED_OUT');
    expect(e.oneLine()).toMatch(/x\.lock is still held by other-host:123 after 0 s\. Wait for that process to finish; if no lmb process is running, delete the lock file$/);
  });

  it('takes over an empty lock file (its maker killed between creating and writing it) within seconds, not staleMs', () => {
    const lock = join(dir(), 'x.lock');
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 3000);
    utimesSync(lock, old, old);
    const start = Date.now();
    expect(withLockSync(lock, () => 'mine', { timeoutMs: 1000 })).toBe('mine');
    expect(Date.now() - start).toBeLessThan(1000);
    // A fresh empty one is someone making it right now: waited for.
    writeFileSync(lock, '');
    expect(caught(() => withLockSync(lock, () => 1, { timeoutMs: 300, pollMs: 20 })).code).toBe('LOCK_TIMED_OUT');
  });

  it('tells whom it waits for only once the wait has lasted tellAfterMs', () => {
    const lock = join(dir(), 'x.lock');
    writeFileSync(lock, 'other-host:123');
    const told: string[] = [];
    caught(() => withLockSync(lock, () => 1, { timeoutMs: 150, pollMs: 20, tellAfterMs: 5000, onWait: (h) => told.push(h) }));
    expect(told).toEqual([]);
    caught(() => withLockSync(lock, () => 1, { timeoutMs: 300, pollMs: 20, tellAfterMs: 100, onWait: (h) => told.push(h) }));
    expect(told).toEqual(['other-host:123']);
  });

  it('takes over a lock from elsewhere that nobody has refreshed for staleMs', () => {
    const lock = join(dir(), 'x.lock');
    writeFileSync(lock, 'other-host:123');
    const old = new Date(Date.now() - 10_000);
    utimesSync(lock, old, old);
    expect(withLockSync(lock, () => 'mine', { staleMs: 5000, timeoutMs: 1000 })).toBe('mine');
  });
});

describe('AnswerCache across processes', () => {
  it('four processes writing answers under one key at once lose none of them', async () => {
    const cacheDir = dir();
    const children = ['a', 'b', 'c', 'd'].map((prefix) => new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'test', 'support', 'cache-writer.ts'), cacheDir, 'k', prefix, '25'], { cwd: repo, stdio: 'inherit' });
      child.on('exit', resolve);
    }));
    expect(await Promise.all(children)).toEqual([0, 0, 0, 0]);
    const stored = new AnswerCache(cacheDir).read('k');
    expect(stored.size).toBe(100);
    for (const prefix of ['a', 'b', 'c', 'd']) {
      for (let i = 0; i < 25; i++) expect(stored.get(`${prefix}-${i}`)).toEqual({ kind: 'greedy', tokens: [i] });
    }
  }, 60_000);
});

describe('temporary files of killed writes', () => {
  it('are swept when the answer cache is opened, once older than ten minutes; younger ones (a write in flight) stay', () => {
    const cacheDir = dir();
    const answers = new AnswerCache(cacheDir).dir;
    const stale = join(answers, 'k.json.123.456.tmp');
    const fresh = join(answers, 'k.json.124.457.tmp');
    writeFileSync(stale, '{"half');
    writeFileSync(fresh, '{"half');
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(stale, old, old);
    new AnswerCache(cacheDir);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });
});
