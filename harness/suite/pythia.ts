import type { HubSettings } from '../hub/settings.js';
import type { Suite } from './suite.js';
import { tableSuite, type TableRun } from './table-suite.js';

/**
 * EleutherAI's Pythia save schedule: step 0, the powers of two to 512, then every 1000 steps to
 * 143000; each is the hub branch `step{N}` (`main` is step143000, and PolyPythias' `main`
 * branches mostly hold no weights).
 */
export const PYTHIA_STEPS: readonly number[] = Object.freeze([
  0, ...Array.from({ length: 10 }, (_, i) => 2 ** i), ...Array.from({ length: 143 }, (_, i) => (i + 1) * 1000),
]);

export const pythiaRevision = (step: number) => `step${step}`;

/** Sequences of 2048 tokens, 1024 per step. */
export const PYTHIA_TOKENS_PER_STEP = 2_097_152;

/** Sizes as the repo names spell them, and whether a `-deduped` twin (trained on the deduplicated Pile) exists. */
export const PYTHIA_SIZES = [
  { size: '14m', deduped: false }, { size: '31m', deduped: false }, { size: '70m', deduped: true },
  { size: '160m', deduped: true }, { size: '410m', deduped: true }, { size: '1b', deduped: true },
  { size: '1.4b', deduped: true }, { size: '2.8b', deduped: true }, { size: '6.9b', deduped: true }, { size: '12b', deduped: true },
] as const;

/** The sizes PolyPythias re-trained with seeds 1 to 9 (seed 1234 being the original Pythia run). */
export const POLYPYTHIAS_SIZES = ['14m', '31m', '70m', '160m', '410m'] as const;
export const POLYPYTHIAS_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
export const PYTHIA_SEED = 1234;

const repo = (name: string) => `EleutherAI/pythia-${name}`;

/** A suite of Pythia-schedule runs: each answers to its short name, its hub id, the id's last part and `seed-{seed}` where the seed is its alone. */
export function pythiaSuite(spec: { name: string; description?: string; runs: readonly TableRun[]; hub?: HubSettings }): Suite {
  return tableSuite({ ...spec, steps: PYTHIA_STEPS, revision: pythiaRevision, tokensPerStep: PYTHIA_TOKENS_PER_STEP });
}

/** Every Pythia size, standard and deduped: `70m`, `70m-deduped`, … */
export function pythiaRuns(): TableRun[] {
  return PYTHIA_SIZES.flatMap(({ size, deduped }) => [size, ...(deduped ? [`${size}-deduped`] : [])])
    .map((name) => ({ name, repo: repo(name), seed: PYTHIA_SEED }));
}

/**
 * PolyPythias runs of one size (or all): the original (seed 1234), seeds 1 to 9, and for 160m
 * the runs where only the data order (`data-seed{1,2,3}`) or only the initialisation
 * (`weight-seed{1,2,3}`) changed. Short names are `{size}-seed{N}` (`{size}-seed1234` for the original).
 */
export function polypythiasRuns(size?: (typeof POLYPYTHIAS_SIZES)[number]): TableRun[] {
  return (size ? [size] : POLYPYTHIAS_SIZES).flatMap((s) => [
    { name: `${s}-seed${PYTHIA_SEED}`, repo: repo(s), seed: PYTHIA_SEED },
    ...POLYPYTHIAS_SEEDS.map((seed) => ({ name: `${s}-seed${seed}`, repo: repo(`${s}-seed${seed}`), seed })),
    ...(s === '160m' ? (['data', 'weight'] as const).flatMap((kind) => [1, 2, 3].map((n) => ({ name: `${s}-${kind}-seed${n}`, repo: repo(`${s}-${kind}-seed${n}`) }))) : []),
  ]);
}
