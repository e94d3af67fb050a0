/**
 * Global setup of the behaviours project: evaluates every spec on the suite once, in the main
 * process (each checkpoint loaded once for all behaviours), then hands the matrix to the spec
 * files' tests. Writes the snapshot where it is missing, or everywhere with -u.
 * Configure with LMB_SUITE (default demo), LMB_CHECKPOINTS (default all), LMB_DEVICE.
 * Under `vitest --shard i/n` it evaluates only the behaviours whose spec files are in this shard;
 * `--merge-reports` then joins the shards' blob reports. Snapshots are updated unsharded.
 */
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { failedProbes } from '../matrix/failures.js';
import { buildMatrix } from '../matrix/matrix.js';
import { mergeMatrices, onlyBehaviours } from '../matrix/merge.js';
import { readSnapshot, snapshotDir, writeSnapshot } from '../matrix/snapshot.js';
import { parseDevice } from '../model/runtime/session.js';
import { LmbError } from '../errors.js';
import { ResultCache } from '../run/result-cache.js';
import { evaluateSuite } from '../run/runner.js';
import { defaultBehaviourDir, loadBehaviours } from '../spec/load.js';
import { findSuite } from '../suite/registry.js';
import { selectCheckpoints } from '../suite/select.js';
import { cellKey, type BehaviourRun } from './context.js';
import { shardSpecFiles } from './shard-files.js';
import { notice } from '../cli/options.js';
import { progressReporter } from '../cli/progress.js';

export default async function setup(project: TestProject): Promise<void> {
  const suite = await findSuite(process.env.LMB_SUITE ?? 'demo');
  const selection = process.env.LMB_CHECKPOINTS ?? 'all';
  const mode = project.config.snapshotOptions.updateSnapshot;
  const shard = await shardSpecFiles(project);
  if (shard && mode === 'all') {
    throw new LmbError('SHARD_UPDATE_REFUSED', 'vitest -u with --shard would write a snapshot of only this shard\'s behaviours',
      'Update snapshots unsharded (vitest --project behaviours -u), or from shards with lmb run --shard i/n and lmb merge');
  }
  const behaviours = (await loadBehaviours(defaultBehaviourDir())).filter((b) => !shard || shard.has(resolve(b.file!)));
  if (behaviours.length === 0) {
    project.provide('lmb', { suite: suite.name, matrix: { suite: suite.name, behaviours: [], runs: [], cells: {} }, snapshot: null, failures: {}, finalSteps: {} });
    return;
  }
  const results = await evaluateSuite({
    suite,
    behaviours,
    cache: new ResultCache(ResultCache.defaultDir()),
    select: (run) => selectCheckpoints(run, selection),
    model: { device: parseDevice(process.env.LMB_DEVICE ?? 'auto'), onNotice: notice },
    onProgress: progressReporter(),
  });
  const matrix = buildMatrix(results);
  const dir = snapshotDir(process.cwd(), suite.name);
  const before = readSnapshot(dir);
  let snapshot = before ?? null;
  // -u: this run's cells win, unselected checkpoints keep theirs, removed behaviours go (as vitest drops obsolete snapshots).
  if (mode === 'all') snapshot = onlyBehaviours(mergeMatrices(before, matrix), matrix.behaviours);
  else if (mode === 'new') snapshot = mergeMatrices(matrix, before ?? matrix);
  if (snapshot && JSON.stringify(snapshot) !== JSON.stringify(before)) writeSnapshot(dir, snapshot);

  const failures: BehaviourRun['failures'] = {};
  const finalSteps: Record<string, number> = {};
  for (const run of matrix.runs) {
    finalSteps[run.name] = suite.runs.find((r) => r.name === run.name)!.checkpoints.at(-1)!.step;
    for (const b of matrix.behaviours) for (const step of run.steps) failures[cellKey(b, run.name, step)] = failedProbes(results, b, run.name, step);
  }
  project.provide('lmb', { suite: suite.name, matrix, snapshot, failures, finalSteps });
}
