import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withLockSync } from './lock.js';
import { writeFailure } from './write-failure.js';

/** Writes a file so that readers see the old content or the new, never a part: a temp file, then rename. */
export function atomicWrite(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeFailure(e, dirname(path));
  }
}

/**
 * Rewrites `path` from its current content (undefined when there is none) while holding its lock
 * file, atomically: processes updating one file at once each build on the other's write. An update
 * that changes nothing takes no lock and writes nothing, so a read-only cache that already holds
 * everything is simply read.
 */
export function updateFile(path: string, update: (current: string | undefined) => string): void {
  const current = readIfExists(path);
  const next = update(current);
  if (current !== undefined && next === current) return;
  // Under the lock the update is made again only if another process wrote the file meanwhile.
  withLockSync(`${path}.lock`, () => {
    const now = readIfExists(path);
    atomicWrite(path, now === current ? next : update(now));
  }, {
    tellAfterMs: 1000,
    onWait: (holder) => process.stderr.write(`lmb: waiting for ${path}.lock, held by ${holder}\n`),
  });
}

/** Temporary files older than this are left by a write that was killed: every write takes milliseconds. */
const STALE_TEMPORARY_MS = 10 * 60_000;

/** Deletes the `*.tmp` files in `dir` that killed writes left behind (none younger than ten minutes). */
export function sweepTemporaries(dir: string, now = Date.now()): number {
  let swept = 0;
  if (!existsSync(dir)) return 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.tmp')) continue;
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isFile() && now - st.mtimeMs > STALE_TEMPORARY_MS) {
      rmSync(path, { force: true });
      swept++;
    }
  }
  return swept;
}

/** A text file's content, or undefined when there is no such file. */
export const readIfExists = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
