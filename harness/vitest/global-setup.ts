/**
 * Global setup of the behaviours project: evaluates every spec on the suite once, in the main
 * process (each checkpoint loaded once for all behaviours), then hands the matrix to the spec
 * files' tests. Writes the snapshot where it is missing, or with -u, and says how many cells it
 * wrote. Configure with LMB_SUITE (default demo), LMB_CHECKPOINTS (default all), LMB_RUNS,
 * LMB_DEVICE. Under `vitest --shard i/n` it evaluates only the behaviours whose spec files are in
 * this shard; `--merge-reports` then joins the shards' blob reports. Snapshots are updated unsharded.
 * A spec or suite that lmb refuses ends the run with lmb's one-line message, as `lmb run` prints it.
 */
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { LmbError } from '../errors.js';
import { failedProbes } from '../matrix/failures.js';
import { buildMatrix, probeSetChange, type PassRateMatrix } from '../matrix/matrix.js';
import { mergeMatrices, onlyBehaviours, overlayCells } from '../matrix/merge.js';
import { countCells, readSnapshot, snapshotDir, writeSnapshot } from '../matrix/snapshot.js';
import { parseDevice } from '../model/runtime/session.js';
import { findProject } from '../project.js';
import { evaluateSuite } from '../run/runner.js';
import { loadBehaviours } from '../spec/load.js';
import { findSuite } from '../suite/registry.js';
import { selectGrid } from '../suite/select.js';
import { cellKey, type BehaviourRun } from './context.js';
import { shardSpecFiles } from './shard-files.js';
import { notice } from '../cli/options.js';
import { progressReporter } from '../cli/progress.js';
import { commaList } from '../cli/suite-options.js';

export default async function setup(project: TestProject): Promise<void> {
  try {
    project.provide('lmb', await evaluate(project));
  } catch (e) {
    if (!(e instanceof LmbError)) throw e;
    // vitest would print a stack through its own modules and "No test files found"; lmb's line says what to fix.
    process.stderr.write(`lmb: ${e.code}: ${e.oneLine()}\n`);
    process.exit(1);
  }
}

async function evaluate(project: TestProject): Promise<BehaviourRun> {
  const lmbProject = findProject({ root: project.config.root });
  const suite = await findSuite(process.env.LMB_SUITE ?? 'demo');
  const selection = process.env.LMB_CHECKPOINTS ?? 'all';
  const runs = process.env.LMB_RUNS ? commaList(process.env.LMB_RUNS) : undefined;
  const mode = project.config.snapshotOptions.updateSnapshot;
  const shard = await shardSpecFiles(project);
  if (shard && mode === 'all') {
    throw new LmbError('SHARD_UPDATE_REFUSED', 'vitest -u with --shard would write a snapshot of only this shard\'s behaviours',
      'Update snapshots unsharded (vitest --project behaviours -u), or from shards with lmb run --shard i/n and lmb merge');
  }
  const behaviours = (await loadBehaviours(lmbProject.behavioursDir, { root: lmbProject.root })).filter((b) => !shard || shard.has(resolve(lmbProject.root, b.file!)));
  if (behaviours.length === 0) return { suite: suite.name, matrix: { suite: suite.name, behaviours: [], runs: [], cells: {} }, snapshot: null, failures: {}, finalSteps: {} };
  const results = await evaluateSuite({
    suite,
    grid: selectGrid(suite, selection, runs),
    behaviours,
    cacheDir: lmbProject.cacheDir,
    model: { device: parseDevice(process.env.LMB_DEVICE ?? 'auto'), onNotice: notice },
    onProgress: progressReporter(),
  });
  const matrix = buildMatrix(results);
  const dir = snapshotDir(lmbProject, suite.name);
  const before = readSnapshot(dir);
  const snapshot = updatedSnapshot(before, matrix, mode);
  if (mode === 'all') {
    for (const d of overlayCells(before, matrix).dropped) {
      process.stderr.write(`lmb: ${d.behaviour}: ${d.change}; dropped its ${d.cells} committed cells outside this run, computed with the old probes\n`);
    }
  }
  if (snapshot && JSON.stringify(snapshot) !== JSON.stringify(before)) {
    writeSnapshot(dir, snapshot);
    const written = mode === 'all' ? countCells(matrix) : countCells(snapshot) - (before ? countCells(before) : 0);
    process.stderr.write(`lmb: ${mode === 'all' ? 'accepted' : 'wrote'} ${written} cells into ${dir}/matrix.json\n`);
  }

  const failures: BehaviourRun['failures'] = {};
  const finalSteps: Record<string, number> = {};
  for (const run of matrix.runs) {
    finalSteps[run.name] = suite.runs.find((r) => r.name === run.name)!.checkpoints.at(-1)!.step;
    for (const b of matrix.behaviours) for (const step of run.steps) failures[cellKey(b, run.name, step)] = failedProbes(results, b, run.name, step);
  }
  return { suite: suite.name, matrix, snapshot: snapshot ?? null, failures, finalSteps };
}

/**
 * The snapshot after this run: with -u ('all') this run's cells win, unselected checkpoints keep
 * theirs unless their probe set changed, removed behaviours go (as vitest drops obsolete
 * snapshots); otherwise ('new') only missing cells are written, and none of a behaviour whose
 * probe set changed (its tests say so; -u accepts the new set).
 */
function updatedSnapshot(before: PassRateMatrix | undefined, matrix: PassRateMatrix, mode: string): PassRateMatrix | undefined {
  if (mode === 'all') return onlyBehaviours(overlayCells(before, matrix).matrix, matrix.behaviours);
  if (mode === 'new') return mergeMatrices(onlyBehaviours(matrix, matrix.behaviours.filter((b) => !probeSetChange(before, matrix, b))), before ?? matrix);
  return before;
}
