import { closeSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { LmbError } from '../errors.js';
import { makeFolder, writeFailure } from './write-failure.js';

export interface LockOptions {
  /** A lock file untouched this long is abandoned (its holder refreshes it every third of this; default 60 s). */
  staleMs?: number;
  /** How often a waiter looks again (default 100 ms). */
  pollMs?: number;
  /** Give up after waiting this long (default: wait for as long as the holder is alive). */
  timeoutMs?: number;
  /** Told once, when the lock is held by someone else (e.g. to say what is being waited for). */
  onWait?: (holder: string) => void;
  /** Tell onWait only once the wait has lasted this long (default 0: at once). */
  tellAfterMs?: number;
}

/**
 * A lock file with nothing in it is one whose holder died between creating and writing it (a
 * few microseconds): once it is this old, it is abandoned.
 */
const EMPTY_LOCK_MS = 2000;

/**
 * Runs `fn` holding an exclusive lock on `lockPath`, across processes on this machine and on a
 * shared file system: the lock file is created with O_EXCL and names its holder (host:pid). A
 * waiter takes over a lock whose holder on this host is dead, one left empty by a holder killed
 * as it made it, or one not refreshed for `staleMs`.
 */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const waiting = new Waiting(lockPath, opts);
  while (!tryAcquire(lockPath, waiting.staleMs)) await new Promise((r) => setTimeout(r, waiting.next()));
  const refresh = setInterval(() => touch(lockPath), waiting.staleMs / 3);
  refresh.unref();
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    release(lockPath);
  }
}

/** withLock for short synchronous work (a read-modify-write of a small file). */
export function withLockSync<T>(lockPath: string, fn: () => T, opts: LockOptions = {}): T {
  const waiting = new Waiting(lockPath, opts);
  while (!tryAcquire(lockPath, waiting.staleMs)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, waiting.next());
  try {
    return fn();
  } finally {
    release(lockPath);
  }
}

const ME = `${hostname()}:${process.pid}`;

class Waiting {
  readonly staleMs: number;
  private readonly since = Date.now();
  private told = false;

  constructor(private readonly lockPath: string, private readonly opts: LockOptions) {
    this.staleMs = opts.staleMs ?? 60_000;
  }

  /** Milliseconds to sleep before the next try; throws once the timeout has passed. */
  next(): number {
    const holder = holderOf(this.lockPath) || 'another process';
    if (!this.told && Date.now() - this.since >= (this.opts.tellAfterMs ?? 0)) {
      this.opts.onWait?.(holder);
      this.told = true;
    }
    if (this.opts.timeoutMs !== undefined && Date.now() - this.since > this.opts.timeoutMs) {
      throw new LmbError('LOCK_TIMED_OUT', `${this.lockPath} is still held by ${holder} after ${Math.round(this.opts.timeoutMs / 1000)} s`,
        'Wait for that process to finish; if no lmb process is running, delete the lock file');
    }
    return this.opts.pollMs ?? 100;
  }
}

function tryAcquire(lockPath: string, staleMs: number): boolean {
  makeFolder(dirname(lockPath));
  try {
    const fd = openSync(lockPath, 'wx');
    writeSync(fd, ME);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure(e, dirname(lockPath));
  }
  const holder = holderOf(lockPath);
  if (holder !== undefined && isAbandoned(lockPath, holder, staleMs) && holderOf(lockPath) === holder) rmSync(lockPath, { force: true });
  return false;
}

function isAbandoned(lockPath: string, holder: string, staleMs: number): boolean {
  const touched = statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs;
  if (holder === '') return touched !== undefined && Date.now() - touched > Math.min(EMPTY_LOCK_MS, staleMs);
  const [host, pid] = [holder.slice(0, holder.lastIndexOf(':')), Number(holder.slice(holder.lastIndexOf(':') + 1))];
  if (host === hostname() && Number.isInteger(pid) && !isAlive(pid)) return true;
  return touched !== undefined && Date.now() - touched > staleMs;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(lockPath: string): string | undefined {
  try {
    return readFileSync(lockPath, 'utf8');
  } catch {
    return undefined;
  }
}

function touch(lockPath: string): void {
  const now = new Date();
  try {
    utimesSync(lockPath, now, now);
  } catch {
    // Taken over as stale while we slept; release() leaves the new holder's file alone.
  }
}

function release(lockPath: string): void {
  if (holderOf(lockPath) === ME) rmSync(lockPath, { force: true });
}
