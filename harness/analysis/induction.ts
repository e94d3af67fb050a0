/**
 * Induction heads across training (Olsson et al. 2022): per checkpoint, the in-context-learning
 * score and every head's prefix-matching score; per run, the phase change between them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LanguageModel } from '../model/language-model.js';
import type { LoadOptions } from '../model/load.js';
import { CheckpointKeys } from '../run/checkpoint-key.js';
import { walkGrid } from '../run/walk.js';
import type { GridItem } from '../suite/select.js';
import type { CheckpointRef, Run, Suite } from '../suite/suite.js';
import type { TextTokenizer } from '../tokenize/tokenizer.js';
import { iclPositions, measureIclWindows, standardError, textWindows, type IclPositions } from './icl-score.js';
import { phaseChange, type PhaseChange } from './phase-change.js';
import { candidateTokens, measurePrefixMatching, repeatedSequences, uniformPrefixMatching, type RepeatedSequences } from './prefix-matching.js';

/** The bundled OpenWebText sample: the texts of the ICL score and the token frequencies. */
export const OPENWEBTEXT_SAMPLE = fileURLToPath(new URL('../../behaviours/data/openwebtext/openwebtext_first100docs.txt', import.meta.url));

/** What the measurements are taken on; fixed so every checkpoint and run sees the same inputs. */
export const INDUCTION_SETTINGS = {
  /**
   * Texts for the ICL score. One token's loss varies by ~3 nats from text to text, so the score's
   * standard error is ~3.5 / sqrt(windows) nats: ~0.3 with 128 (and ~0.6 with 32).
   */
  windows: 128,
  /** Random tokens per repeated sequence (fewer when the context cannot hold `repeats` copies). */
  period: 25,
  repeats: 4,
  sequences: 8,
  seed: 1,
  /** The most and the least common fraction of tokens left out of the random sequences. */
  excludeFraction: 0.1,
} as const;

/** The inputs for one context length. */
export interface InductionProbes {
  icl: { at: IclPositions; windows: number[][] };
  repeated: RepeatedSequences;
}

export interface CheckpointInduction {
  step: number;
  iclScore: number;
  /** The ICL score's standard error over windows. */
  iclStdError: number;
  /** Each window's ICL score (the same windows at every checkpoint, so two checkpoints pair). */
  iclWindows: number[];
  /** [layer][head]. */
  prefixMatching: number[][];
}

export interface RunInduction {
  run: string;
  phaseChange: PhaseChange | null;
  /** The prefix-matching score of a head attending uniformly, on this run's repeated sequences. */
  uniformPrefixMatching: number;
  checkpoints: CheckpointInduction[];
  /** The suite's training tokens per step, where it says (Suite.tokensPerStep): what puts families on one axis. */
  tokensPerStep?: number;
}

/**
 * The probes for a model with `contextLength` tokens: ICL windows cut from the tokenized
 * `sampleIds`, and repeated random sequences of tokens neither too common nor too rare in it.
 */
export function inductionProbes(tokenizer: Pick<TextTokenizer, 'eosId' | 'bosId'>, sampleIds: readonly number[], contextLength: number): InductionProbes {
  const s = INDUCTION_SETTINGS;
  const at = iclPositions(contextLength);
  const special = [tokenizer.eosId, tokenizer.bosId].filter((id): id is number => id !== undefined);
  const start = tokenizer.bosId ?? tokenizer.eosId ?? 0;
  const period = Math.min(s.period, Math.floor((contextLength - 1) / s.repeats));
  return {
    icl: { at, windows: textWindows(sampleIds, s.windows, at.late + 1, tokenizer.bosId) },
    repeated: repeatedSequences(candidateTokens(sampleIds, special, s.excludeFraction),
      { start, period, repeats: s.repeats, count: s.sequences, seed: s.seed }),
  };
}

async function iclOf(model: LanguageModel, probes: InductionProbes) {
  const iclWindows = await measureIclWindows(model, probes.icl.windows, probes.icl.at);
  return { iclScore: iclWindows.reduce((a, b) => a + b, 0) / iclWindows.length, iclStdError: standardError(iclWindows), iclWindows };
}

/** Both measurements on one model (loaded with `{ attentions: true }`). */
export async function measureInduction(model: LanguageModel, probes: InductionProbes): Promise<Omit<CheckpointInduction, 'step'>> {
  return {
    ...(await iclOf(model, probes)),
    prefixMatching: await measurePrefixMatching(model, probes.repeated),
  };
}

export interface InductionOptions {
  suite: Suite;
  /** The (run, checkpoint) pairs to measure, in order (selectGrid). */
  grid: readonly GridItem[];
  /** Holds the weight-hash index (Project.cacheDir). */
  cacheDir: string;
  model?: Omit<LoadOptions, 'configOverrides' | 'attentions'>;
  /** The text sample (default: the bundled OpenWebText sample). */
  text?: string;
  /** Delete each downloaded checkpoint's weights once it is measured. */
  evict?: boolean;
  onCheckpoint?: (run: Run, checkpoint: CheckpointRef, done: number, total: number) => void;
}

/**
 * Every checkpoint of the grid. The suite's tokenizer tokenizes the sample once, so all runs
 * are measured on the same token ids.
 */
export async function analyseInduction(opts: InductionOptions): Promise<RunInduction[]> {
  let sampleIds: number[] | undefined;
  const probes = new Map<number, InductionProbes>();
  const measured = await walkGrid({ grid: opts.grid, suite: opts.suite.name, keys: new CheckpointKeys(opts.cacheDir), model: opts.model, evict: opts.evict }, async (c) => {
    opts.onCheckpoint?.(c.run, c.ref, c.index, c.total);
    sampleIds ??= c.tokenizer.encode(opts.text ?? readFileSync(OPENWEBTEXT_SAMPLE, 'utf8'));
    const model = await c.model({ attentions: true });
    const C = model.contextLength;
    if (!probes.has(C)) probes.set(C, inductionProbes(c.tokenizer, sampleIds, C));
    return { run: c.run.name, uniform: uniformPrefixMatching(probes.get(C)!.repeated), checkpoint: { step: c.ref.step, ...(await measureInduction(model, probes.get(C)!)) } };
  });
  const best = (c: CheckpointInduction) => Math.max(...c.prefixMatching.flat());
  return opts.suite.runs.filter((run) => measured.some((m) => m.run === run.name)).map((run) => {
    const mine = measured.filter((m) => m.run === run.name);
    const checkpoints = mine.map((m) => m.checkpoint);
    return {
      run: run.name,
      uniformPrefixMatching: mine[0].uniform,
      phaseChange: phaseChange(checkpoints.map((c) => ({ step: c.step, iclScore: c.iclScore, iclWindows: c.iclWindows, bestPrefixMatching: best(c) }))),
      checkpoints,
      ...(opts.suite.tokensPerStep ? { tokensPerStep: opts.suite.tokensPerStep } : {}),
    };
  });
}
