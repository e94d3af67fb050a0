import type { HubSettings } from '../hub/settings.js';
import { checkpointName } from './checkpoint-name.js';
import type { Suite } from './suite.js';
import { tableSuite, type TableRun } from './table-suite.js';

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

/** Sequences of 1024 tokens, 512 per step. */
export const CRFM_TOKENS_PER_STEP = 524_288;

export interface CrfmSuiteSpec {
  readonly name: string;
  readonly description?: string;
  readonly runs: readonly (TableRun & { readonly seed: number })[];
  /** Default: the environment when a checkpoint is fetched. */
  readonly hub?: HubSettings;
}

/** A CRFM family: each run answers to its short name, its hub id, the id's last part and `seed-{seed}`. */
export function crfmSuite(spec: CrfmSuiteSpec): Suite {
  return tableSuite({ ...spec, steps: CRFM_STEPS, revision: checkpointName, configOverrides: CRFM_CONFIG_OVERRIDES, tokensPerStep: CRFM_TOKENS_PER_STEP });
}
