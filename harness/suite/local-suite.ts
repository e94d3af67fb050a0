import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { LmbError } from '../errors.js';
import { CHECKPOINT_PATTERN, stepOf } from './checkpoint-name.js';
import type { CheckpointRef, Run, Suite } from './suite.js';

export interface LocalSuiteOptions {
  /** Default: the folder's name. */
  readonly name?: string;
  readonly description?: string;
  /** Checkpoint folder names; the first group is the step. Default `/^checkpoint-(\d+)$/`. */
  readonly pattern?: RegExp;
  readonly configOverrides?: Readonly<Record<string, unknown>>;
  readonly tokensPerStep?: number;
}

/**
 * A folder of runs on disk as a suite: `DIR/<run>/checkpoint-<step>/` (config.json + weights).
 * A run folder named `seed-<n>` gets that seed. A folder that holds `checkpoint-<step>/` folders
 * itself is a suite of one run. Nothing is
 * ever evicted: the files are the user's.
 */
export function localSuite(dir: string, opts: LocalSuiteOptions = {}): Suite {
  const root = resolve(dir);
  const pattern = opts.pattern ?? CHECKPOINT_PATTERN;
  const ownCheckpoints = checkpointsIn(root, pattern);
  const runs: Run[] = ownCheckpoints.length > 0
    ? [{ name: basename(root), configOverrides: opts.configOverrides, checkpoints: ownCheckpoints }]
    : subfolders(root)
      .map((name) => ({ name, seed: seedOf(name), configOverrides: opts.configOverrides, checkpoints: checkpointsIn(join(root, name), pattern) }))
      .filter((run) => run.checkpoints.length > 0);
  if (runs.length === 0) {
    throw new LmbError('SUITE_EMPTY', `${root} holds no runs: no <run>/checkpoint-<step>/ folders`,
      'Lay the runs out as DIR/<run>/checkpoint-<step>/ with config.json and weights in each');
  }
  return { name: opts.name ?? basename(root), description: opts.description, tokensPerStep: opts.tokensPerStep, runs };
}

function seedOf(runName: string): number | undefined {
  const m = /^seed-(\d+)$/.exec(runName);
  return m ? Number(m[1]) : undefined;
}

function subfolders(dir: string): string[] {
  if (!existsSync(dir)) throw new LmbError('FILE_MISSING', `${dir} does not exist`, 'Pass a folder of runs');
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

function checkpointsIn(dir: string, pattern: RegExp): CheckpointRef[] {
  return subfolders(dir)
    .map((name) => ({ name, step: stepOf(name, pattern) }))
    .filter((c): c is { name: string; step: number } => c.step !== undefined)
    .sort((a, b) => a.step - b.step)
    .map(({ name, step }) => localCheckpoint(join(dir, name), name, step));
}

function localCheckpoint(path: string, name: string, step: number): CheckpointRef {
  return {
    step,
    name,
    fetch: async () => {
      if (!existsSync(path)) throw new LmbError('FILE_MISSING', `checkpoint ${path} no longer exists`, 'Restore it or list the suite again');
      return path;
    },
  };
}
