import { mkdirSync } from 'node:fs';
import { LmbError } from '../errors.js';

const CANNOT_WRITE: Record<string, string> = {
  ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is used up', EROFS: 'the file system is read-only',
  EACCES: 'permission is denied', EPERM: 'permission is denied',
};

/** A write in `folder` refused by the system (a full disk, a read-only mount) as a one-line error naming it; anything else as it was. */
export function writeFailure(e: unknown, folder: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !Object.hasOwn(CANNOT_WRITE, code)) return e;
  return new LmbError('FOLDER_UNWRITABLE', `cannot write in ${folder}: ${CANNOT_WRITE[code]} (${code})`,
    'Free space there or make it writable, or point lmb elsewhere (LMB_CACHE for the cache, --results, --snapshots, --out)');
}

/** mkdir -p, a refusal by the system reported as writeFailure does. */
export function makeFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw writeFailure(e, dir);
  }
}
