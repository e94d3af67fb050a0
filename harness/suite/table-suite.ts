import type { HubSettings } from '../hub/settings.js';
import { hubCheckpoint } from './hub-checkpoint.js';
import type { Run, Suite } from './suite.js';

export interface TableRun {
  /** Short name, e.g. `alias` or `160m-seed3`. */
  readonly name: string;
  /** Hub id, e.g. `stanford-crfm/alias-gpt2-small-x21`. */
  readonly repo: string;
  readonly seed?: number;
  /** Names a user may type besides the short name, the hub id, its last part and `seed-{seed}` (where the seed is the run's alone). */
  readonly aliases?: readonly string[];
}

export interface TableSuiteSpec {
  readonly name: string;
  readonly description?: string;
  readonly runs: readonly TableRun[];
  /** Every run's steps, ascending. */
  readonly steps: readonly number[];
  /** The hub revision (branch) that holds a step. */
  readonly revision: (step: number) => string;
  readonly configOverrides?: Readonly<Record<string, unknown>>;
  readonly tokensPerStep?: number;
  /** Default: the environment when a checkpoint is fetched. */
  readonly hub?: HubSettings;
}

/**
 * A family published as one hub repo per run, every run saved on one schedule: the runs are a
 * table, the checkpoints are known without asking the hub (a revision that turns out missing is
 * skipped when the grid is walked).
 */
export function tableSuite(spec: TableSuiteSpec): Suite {
  const seeds = spec.runs.map((r) => r.seed);
  // `seed-N` names a run only where no other run of the suite has that seed.
  const seedAlias = (seed?: number) => (seed !== undefined && seeds.indexOf(seed) === seeds.lastIndexOf(seed) ? [`seed-${seed}`] : []);
  const run = (r: TableRun): Run => ({
    name: r.name,
    seed: r.seed,
    aliases: [...new Set([r.repo, r.repo.split('/').pop()!, ...seedAlias(r.seed), ...(r.aliases ?? [])])].filter((a) => a !== r.name),
    configOverrides: spec.configOverrides,
    checkpoints: spec.steps.map((step) => hubCheckpoint(r.repo, spec.revision(step), step, spec.hub)),
  });
  return { name: spec.name, description: spec.description, tokensPerStep: spec.tokensPerStep, runs: spec.runs.map(run) };
}
