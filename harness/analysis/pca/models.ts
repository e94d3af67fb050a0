import { LmbError } from '../../errors.js';
import { findRun } from '../../suite/find-run.js';
import { selectGrid, type GridItem } from '../../suite/select.js';
import type { Suite } from '../../suite/suite.js';

/** One column of the PCA: a checkpoint of a run. */
export interface PcaModel extends GridItem {
  /** `run@step`. */
  label: string;
}

/**
 * The checkpoints to compare, run by run in suite order, then by step: the named runs (default
 * all) and, of each, the `--checkpoints` selection (default all). At least two, since one
 * checkpoint has no covariance.
 */
export function selectModels(suite: Suite, opts: { runs?: readonly string[]; checkpoints?: string } = {}): PcaModel[] {
  const named = opts.runs?.length ? new Set(opts.runs.map((r) => findRun(suite, r))) : new Set(suite.runs);
  const runs = suite.runs.filter((r) => named.has(r));
  const models = selectGrid(suite, opts.checkpoints ?? 'all', opts.runs).map((p) => ({ ...p, label: `${p.run.name}@${p.ref.step}` }));
  if (models.length < 2) {
    throw new LmbError('CHECKPOINTS_TOO_FEW', `PCA needs at least 2 checkpoints; runs ${runs.map((r) => r.name).join(', ')} of suite ${suite.name} with --checkpoints ${opts.checkpoints ?? 'all'} give ${models.length}${models.length ? ` (${models[0].label})` : ''}`,
      'Select more checkpoints (e.g. --checkpoints all or log:4) or more runs');
  }
  return models;
}
