import type { Outcome } from '../judge/index.js';
import type { LoadOptions } from '../model/load.js';
import { answerRequests } from '../score/evaluator.js';
import type { Answer } from '../score/requests.js';
import { Scorer } from '../score/scorer.js';
import type { Behaviour } from '../spec/behaviour.js';
import type { ProbeRecord } from '../spec/probe.js';
import type { GridItem } from '../suite/select.js';
import type { Suite } from '../suite/suite.js';
import { AnswerCache } from './answer-cache.js';
import { CheckpointKeys } from './checkpoint-key.js';
import { judgeAll, planProbes, storedAnswers, type ProbePlan } from './probe-plan.js';
import { storeAnswer } from './stored-answer.js';
import { walkGrid, type OpenedCheckpoint, type WalkOptions } from './walk.js';

export interface CheckpointOutcomes {
  readonly run: string;
  readonly step: number;
  readonly checkpoint: string;
  /** By outcomeKey(probe) (probe-plan.ts). */
  readonly outcomes: ReadonlyMap<string, Outcome>;
}


export interface SuiteResults {
  readonly suite: string;
  /** Every behaviour's probes, in definition order. */
  readonly probes: ReadonlyMap<string, readonly ProbeRecord[]>;
  /** One entry per evaluated (run, checkpoint), in run then step order. */
  readonly checkpoints: readonly CheckpointOutcomes[];
}

export type Progress =
  | { type: 'start'; total: number; probes: number; requests: number }
  | { type: 'checkpoint'; run: string; step: number; index: number; total: number; computed: number; cached: number };

/** What a checkpoint answered for a plan, as `onCheckpoint` hears it (e.g. to record it for lmb merge). */
export interface CheckpointAnswers {
  readonly opened: OpenedCheckpoint;
  readonly plan: ProbePlan;
  /** Every request of the plan, by key. */
  readonly answers: ReadonlyMap<string, Answer>;
}

export interface EvaluateOptions {
  suite: Suite;
  /** The (run, checkpoint) pairs to evaluate, in order (selectGrid). */
  grid: readonly GridItem[];
  behaviours: readonly Behaviour[];
  /** Holds the answer cache and the weight-hash index (Project.cacheDir). */
  cacheDir: string;
  model?: Omit<LoadOptions, 'configOverrides'>;
  /** Delete each checkpoint's weights once its answers are stored. */
  evict?: boolean;
  /** How many checkpoints to fetch ahead of the one being evaluated (default 2). */
  ahead?: number;
  onProgress?: (p: Progress) => void;
  /** Called with each checkpoint's answers once they are stored. */
  onCheckpoint?: (c: CheckpointAnswers) => void;
  /** Told in one line when a run holds the same weights and config under two steps, or a checkpoint is not on the hub. */
  onNotice?: (line: string) => void;
  /** Called with each checkpoint skipped because it is not on the hub (walkGrid's onAbsent). */
  onAbsent?: WalkOptions['onAbsent'];
}

/**
 * Every probe of every behaviour on every grid checkpoint. The model answers requests, which
 * are cached per checkpoint content key; probes are judged from the answers on every run. A
 * checkpoint is loaded only when some request has no stored answer, and then answers all of
 * them together.
 */
export async function evaluateSuite(opts: EvaluateOptions): Promise<SuiteResults> {
  const cache = new AnswerCache(opts.cacheDir);
  let plan: ProbePlan | undefined;
  const seen = new Map<string, number>();
  const checkpoints = await walkGrid({ grid: opts.grid, suite: opts.suite.name, keys: new CheckpointKeys(opts.cacheDir), model: opts.model, ahead: opts.ahead, evict: opts.evict, onNotice: opts.onNotice, onAbsent: opts.onAbsent }, async (c) => {
    if (!plan) {
      plan = planProbes(opts.behaviours, c.tokenizer);
      opts.onProgress?.({ type: 'start', total: c.total, probes: plan.probes.length, requests: plan.requests.size });
    }
    const earlier = seen.get(`${c.run.name}\0${c.key}`);
    if (earlier === undefined) seen.set(`${c.run.name}\0${c.key}`, c.ref.step);
    else opts.onNotice?.(`${c.run.name}: step ${c.ref.step} holds the same weights as step ${earlier} (lmb audit --suite ${opts.suite.name} lists every such pair)`);
    const { answers, missing } = storedAnswers(plan, cache.read(c.key));
    if (missing.length > 0) {
      const model = await c.model({ cache: true });
      const computed = await answerRequests(new Scorer(model), missing.map((k) => plan!.requests.get(k)!));
      const stored = new Map(missing.map((k, i) => [k, storeAnswer(plan!.requests.get(k)!, computed[i])]));
      cache.write(c.key, stored);
      missing.forEach((k, i) => answers.set(k, computed[i]));
    }
    const outcomes = judgeAll(plan, answers);
    opts.onCheckpoint?.({ opened: c, plan, answers });
    opts.onProgress?.({ type: 'checkpoint', run: c.run.name, step: c.ref.step, index: c.index, total: c.total, computed: missing.length, cached: plan.requests.size - missing.length });
    return { run: c.run.name, step: c.ref.step, checkpoint: c.ref.name, outcomes };
  });
  return { suite: opts.suite.name, probes: plan!.byBehaviour, checkpoints };
}
