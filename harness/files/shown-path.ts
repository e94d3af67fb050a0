import { isAbsolute, relative } from 'node:path';

/**
 * A path as shown to people and written into committed files: relative to the working
 * directory when it lies inside it (so snapshots do not carry one machine's folders), else as is.
 */
export function shownPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel.split('\\').join('/');
}
