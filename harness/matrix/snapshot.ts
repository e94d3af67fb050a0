import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LmbError, thrownLine } from '../errors.js';
import { safeName } from '../files/safe-name.js';
import { atomicWrite } from '../files/atomic-write.js';
import type { SuiteResults } from '../run/runner.js';
import { convergence, convergenceMarkdown } from './converge.js';
import { matrixHeatmap } from './heatmap.js';
import { matrixMarkdown } from './markdown.js';
import { buildMatrix, type PassRateMatrix } from './matrix.js';

/** A suite's committed snapshot folder, `snapshots/<suite>/` (the name made safe for a folder), where every command writes. */
export function snapshotDir(root: string, suite: string): string {
  return join(root, 'snapshots', safeName(suite));
}

export function writeSnapshot(dir: string, m: PassRateMatrix): void {
  mkdirSync(dir, { recursive: true });
  atomicWrite(join(dir, 'matrix.json'), `${JSON.stringify(m, null, 2)}\n`);
  atomicWrite(join(dir, 'matrix.md'), `${matrixMarkdown(m)}\n`);
  atomicWrite(join(dir, 'heatmap.svg'), matrixHeatmap(m));
}

/** What `lmb run` and `lmb merge` write for a suite's results: the snapshot plus the convergence diffs. */
export function writeResultsSnapshot(dir: string, results: SuiteResults): PassRateMatrix {
  const matrix = buildMatrix(results);
  writeSnapshot(dir, matrix);
  const conv = convergence(results);
  atomicWrite(join(dir, 'convergence.json'), `${JSON.stringify(conv, null, 2)}\n`);
  atomicWrite(join(dir, 'convergence.md'), `${convergenceMarkdown(conv)}\n`);
  return matrix;
}

export function readMatrix(path: string): PassRateMatrix {
  if (!existsSync(path)) throw new LmbError('FILE_MISSING', `${path} does not exist`, 'Run the behaviours first (lmb run or vitest --project behaviours)');
  try {
    const m = JSON.parse(readFileSync(path, 'utf8'));
    if (!m || typeof m.cells !== 'object' || !Array.isArray(m.runs)) throw new Error('not a pass-rate matrix');
    return m as PassRateMatrix;
  } catch (e) {
    throw new LmbError('SNAPSHOT_INVALID', `${path} is not a pass-rate matrix (${thrownLine(e)})`, 'Regenerate it with vitest --project behaviours -u');
  }
}

export function readSnapshot(dir: string): PassRateMatrix | undefined {
  const path = join(dir, 'matrix.json');
  return existsSync(path) ? readMatrix(path) : undefined;
}
