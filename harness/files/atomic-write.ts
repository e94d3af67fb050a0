import { renameSync, writeFileSync } from 'node:fs';

/** Writes a file so that readers see the old content or the new, never a part: a temp file, then rename. */
export function atomicWrite(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
