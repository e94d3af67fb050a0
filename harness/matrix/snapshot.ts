import { existsSync, mkdirSync } from 'node:fs';
import { z } from 'zod';
import { join } from 'node:path';
import { LmbError } from '../errors.js';
import { safeName } from '../files/safe-name.js';
import { atomicWrite } from '../files/atomic-write.js';
import type { SuiteResults } from '../run/runner.js';
import { renderChart } from '../plot/chart.js';
import { convergence, convergenceMarkdown } from './converge.js';
import { emergenceChart } from './emergence-chart.js';
import { readEmergenceInputs } from './emergence-inputs.js';
import { readSnapshotFile } from './snapshot-file.js';
import { matrixHeatmap } from './heatmap.js';
import { matrixMarkdown } from './markdown.js';
import { buildMatrix, type PassRateMatrix } from './matrix.js';
import { overlayCells } from './merge.js';
import type { Project } from '../project.js';

/** A suite's committed snapshot folder, `snapshots/<suite>/` (the name made safe for a folder), where every command writes. */
export function snapshotDir(project: Pick<Project, 'snapshotsDir'>, suite: string): string {
  return join(project.snapshotsDir, safeName(suite));
}

export function writeSnapshot(dir: string, m: PassRateMatrix): void {
  mkdirSync(dir, { recursive: true });
  atomicWrite(join(dir, 'matrix.json'), `${JSON.stringify(m, null, 2)}\n`);
  atomicWrite(join(dir, 'matrix.md'), `${matrixMarkdown(m)}\n`);
  atomicWrite(join(dir, 'heatmap.svg'), matrixHeatmap(m));
}

export interface SnapshotUpdate {
  /** The matrix as written. */
  matrix: PassRateMatrix;
  /** Cells this run computed. */
  updated: number;
  /** Committed cells kept as they were. */
  kept: number;
  /** Behaviours whose probe set changed, with how many of their committed cells outside this run were dropped. */
  dropped: { behaviour: string; change: string; cells: number }[];
  /** Whether convergence.json/md and emergence.svg were rewritten (only a run over the whole grid rewrites them). */
  convergence: boolean;
}

/**
 * What `lmb run` and `lmb merge` write for a suite's results. A run over the whole grid (every
 * behaviour, run and checkpoint) writes the snapshot and the convergence diffs afresh; a
 * narrowed one (`partial`) updates only its own cells and leaves every other committed cell,
 * and the convergence files, as they were.
 */
export async function writeResultsSnapshot(dir: string, results: SuiteResults, opts: { partial?: boolean } = {}): Promise<SnapshotUpdate> {
  const now = buildMatrix(results);
  const updated = countCells(now);
  if (!opts.partial) {
    writeSnapshot(dir, now);
    const conv = convergence(results);
    atomicWrite(join(dir, 'convergence.json'), `${JSON.stringify(conv, null, 2)}\n`);
    atomicWrite(join(dir, 'convergence.md'), `${convergenceMarkdown(conv)}\n`);
    await writeEmergenceChart(dir, results.suite);
    return { matrix: now, updated, kept: 0, dropped: [], convergence: true };
  }
  const { matrix, dropped } = overlayCells(readSnapshot(dir), now);
  writeSnapshot(dir, matrix);
  return { matrix, updated, kept: countCells(matrix) - updated, dropped, convergence: false };
}

/**
 * emergence.svg from what the snapshot folder holds (convergence.json, induction/induction.json):
 * rewritten by lmb run and by lmb induction --out, whichever comes second, so it shows both.
 */
export async function writeEmergenceChart(dir: string, suite: string): Promise<void> {
  atomicWrite(join(dir, 'emergence.svg'), await renderChart(emergenceChart(suite, readEmergenceInputs(dir))));
}

export const countCells = (m: PassRateMatrix) =>
  Object.values(m.cells).reduce((n, runs) => n + Object.values(runs).reduce((k, steps) => k + Object.keys(steps).length, 0), 0);

const CellSchema = z.object({ passed: z.number(), total: z.number(), rate: z.number(), low: z.number(), high: z.number() });
const MatrixSchema = z.object({
  suite: z.string(),
  behaviours: z.array(z.string()),
  runs: z.array(z.object({ name: z.string(), steps: z.array(z.number()) })),
  probeSets: z.record(z.string(), z.object({ hash: z.string(), probes: z.number(), chance: z.number().optional() })).optional(),
  cells: z.record(z.string(), z.record(z.string(), z.record(z.string(), CellSchema))),
});

export function readMatrix(path: string): PassRateMatrix {
  if (!existsSync(path)) throw new LmbError('FILE_MISSING', `${path} does not exist`, 'Run the behaviours first (lmb run or vitest --project behaviours)');
  return readSnapshotFile(path, MatrixSchema, 'a pass-rate matrix', 'Restore it from git, or regenerate it with lmb run (or vitest --project behaviours -u)') as PassRateMatrix;
}

export function readSnapshot(dir: string): PassRateMatrix | undefined {
  const path = join(dir, 'matrix.json');
  return existsSync(path) ? readMatrix(path) : undefined;
}
