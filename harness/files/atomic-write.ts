import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { withLockSync } from './lock.js';

/** Writes a file so that readers see the old content or the new, never a part: a temp file, then rename. */
export function atomicWrite(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * Rewrites `path` from its current content (undefined when there is none) while holding its lock
 * file, atomically: processes updating one file at once each build on the other's write.
 */
export function updateFile(path: string, update: (current: string | undefined) => string): void {
  withLockSync(`${path}.lock`, () => atomicWrite(path, update(readIfExists(path))));
}

/** A text file's content, or undefined when there is no such file. */
export const readIfExists = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
