import { isAbsolute, relative } from 'node:path';
import { findProject } from '../project.js';

/**
 * A path as shown to people and written into committed files: relative to the project root when
 * it lies inside it (so snapshots do not carry one machine's folders, nor depend on the folder
 * lmb was started in), else as is.
 */
export function shownPath(path: string, root = findProject().root): string {
  const rel = relative(root, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel.split('\\').join('/');
}
