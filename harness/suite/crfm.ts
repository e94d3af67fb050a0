import type { HubSettings } from '../hub/settings.js';
import { checkpointName } from './checkpoint-name.js';
import { hubCheckpoint } from './hub-checkpoint.js';
import type { Run, Suite } from './suite.js';

/** Stanford CRFM Mistral's save schedule: a checkpoint every `every` steps up to `until`. */
export const CRFM_SCHEDULE = [
  { every: 10, until: 100 },
  { every: 50, until: 2_000 },
  { every: 100, until: 20_000 },
  { every: 1_000, until: 400_000 },
] as const;

export function scheduleSteps(schedule: readonly { every: number; until: number }[]): number[] {
  const steps = [0];
  for (const { every, until } of schedule) {
    for (let s = steps[steps.length - 1] + every; s <= until; s += every) steps.push(s);
  }
  return steps;
}

/** The 609 steps of every CRFM run, 0 to 400000; each is the hub branch `checkpoint-{step}`. */
export const CRFM_STEPS: readonly number[] = Object.freeze(scheduleSteps(CRFM_SCHEDULE));

/**
 * The CRFM runs were trained with these on, but revisions' config.json files do not all say so;
 * without them the log-probs are wrong.
 */
export const CRFM_CONFIG_OVERRIDES = Object.freeze({ scale_attn_by_inverse_layer_idx: true, reorder_and_upcast_attn: true });

export interface CrfmRunSpec {
  /** Short name, e.g. `alias`. */
  readonly name: string;
  /** Hub id, e.g. `stanford-crfm/alias-gpt2-small-x21`. */
  readonly repo: string;
  readonly seed: number;
}

export interface CrfmSuiteSpec {
  readonly name: string;
  readonly description?: string;
  readonly runs: readonly CrfmRunSpec[];
  /** Default: the environment when a checkpoint is fetched. */
  readonly hub?: HubSettings;
}

/** A CRFM family: each run answers to its short name, its hub id, the id's last part and `seed-{seed}`. */
export function crfmSuite(spec: CrfmSuiteSpec): Suite {
  const run = (r: CrfmRunSpec): Run => ({
    name: r.name,
    seed: r.seed,
    aliases: [r.repo, r.repo.split('/').pop()!, `seed-${r.seed}`],
    configOverrides: CRFM_CONFIG_OVERRIDES,
    checkpoints: CRFM_STEPS.map((step) => hubCheckpoint(r.repo, checkpointName(step), step, spec.hub)),
  });
  return { name: spec.name, description: spec.description, runs: spec.runs.map(run) };
}
