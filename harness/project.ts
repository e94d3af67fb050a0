import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LmbError } from './errors.js';

/**
 * The folders of an lm-behaviours project, all resolved from one root: the spec files, the
 * committed snapshots and the cache. Every command and the vitest setup find them here, so
 * `lmb` run from a subfolder reads and writes the same files as from the root.
 */
export interface Project {
  readonly root: string;
  /** `behaviours/`: one spec file per capability. */
  readonly behavioursDir: string;
  /** `snapshots/`: committed matrices and analyses, one folder per suite. */
  readonly snapshotsDir: string;
  /** `.cache/lmb/`, or LMB_CACHE: answers, weight hashes, grid results, the token store. */
  readonly cacheDir: string;
}

export interface FindProjectOptions {
  /**
   * The project root as given (`--root`); default: the nearest folder from `cwd` up that holds a
   * package.json or a behaviours/ folder, else `cwd`.
   */
  readonly root?: string;
  /** Default: the working directory. */
  readonly cwd?: string;
  /** Default: process.env (LMB_CACHE, a path relative to `cwd`). */
  readonly env?: NodeJS.ProcessEnv;
}

export function findProject(opts: FindProjectOptions = {}): Project {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? process.env;
  let root: string;
  if (opts.root !== undefined) {
    root = resolve(cwd, opts.root);
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
      throw new LmbError('FILE_MISSING', `project root ${root} is not a folder`, 'Pass --root the folder that holds behaviours/ and snapshots/');
    }
  } else root = nearestPackageRoot(cwd) ?? cwd;
  return {
    root,
    behavioursDir: join(root, 'behaviours'),
    snapshotsDir: join(root, 'snapshots'),
    cacheDir: env.LMB_CACHE ? resolve(cwd, env.LMB_CACHE) : join(root, '.cache', 'lmb'),
  };
}

function nearestPackageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) || statSync(join(dir, 'behaviours'), { throwIfNoEntry: false })?.isDirectory()) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}
