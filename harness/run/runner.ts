import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LmbError, thrownLine } from '../errors.js';
import { judgeProbe, probeRequests, type Outcome } from '../judge/index.js';
import { openCheckpoint } from '../model/checkpoint.js';
import type { LanguageModel } from '../model/language-model.js';
import { loadModel, type LoadOptions } from '../model/load.js';
import { answerRequests } from '../score/evaluator.js';
import type { Request } from '../score/requests.js';
import { Scorer } from '../score/scorer.js';
import { expandProbes, type Behaviour } from '../spec/behaviour.js';
import type { Probe, ProbeRecord } from '../spec/probe.js';
import { lookahead } from '../suite/lookahead.js';
import type { CheckpointRef, Run, Suite } from '../suite/suite.js';
import { openTokenizer } from '../tokenize/open.js';
import { checkTokenizerFits, type TextTokenizer } from '../tokenize/tokenizer.js';
import type { ResultCache } from './result-cache.js';

export interface CheckpointOutcomes {
  readonly run: string;
  readonly step: number;
  readonly checkpoint: string;
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
  | { type: 'start'; total: number; probes: number }
  | { type: 'checkpoint'; run: string; step: number; index: number; total: number; computed: number; cached: number };

export interface EvaluateOptions {
  suite: Suite;
  behaviours: readonly Behaviour[];
  cache: ResultCache;
  /** Which checkpoints of each run to evaluate (default: all). */
  select?: (run: Run) => readonly CheckpointRef[];
  model?: Omit<LoadOptions, 'configOverrides'>;
  /** Delete each checkpoint's weights once its outcomes are stored. */
  evict?: boolean;
  /** How many checkpoints to fetch ahead of the one being evaluated (default 2). */
  ahead?: number;
  onProgress?: (p: Progress) => void;
  /** Called with each checkpoint's outcomes once they are stored (e.g. to record them in a GridResults). */
  onCheckpoint?: (c: CheckpointOutcomes, probes: ReadonlyMap<string, readonly ProbeRecord[]>) => void;
}

/**
 * Runs every probe of every behaviour against every selected (run, checkpoint). Each
 * checkpoint is loaded at most once, only for probes without a stored outcome, and all its
 * missing probes are answered together.
 */
export async function evaluateSuite(opts: EvaluateOptions): Promise<SuiteResults> {
  const plan = opts.suite.runs.flatMap((run) => (opts.select ? opts.select(run) : run.checkpoints).map((ref) => ({ run, ref })));
  if (plan.length === 0) throw new LmbError('SELECTION_EMPTY', `no checkpoints of suite ${opts.suite.name} were selected`, 'Check the checkpoint selection');
  let prepared: Prepared | undefined;
  const checkpoints: CheckpointOutcomes[] = [];
  let index = 0;
  for await (const { dir } of lookahead(plan.map((p) => p.ref), opts.ahead ?? 2)) {
    const { run, ref } = plan[index];
    prepared ??= prepare(opts.behaviours, dir);
    if (index === 0) opts.onProgress?.({ type: 'start', total: plan.length, probes: prepared.probes.length });
    const key = opts.cache.checkpointKey(checkpointDir(dir), weightsFile(dir), run.configOverrides);
    const stored = opts.cache.read(key);
    const missing = prepared.probes.filter((p) => !stored.has(p.id));
    if (missing.length) {
      const computed = await evaluateCheckpoint(dir, run, missing, prepared, opts.model);
      opts.cache.write(key, computed);
      for (const [id, o] of computed) stored.set(id, o);
    }
    if (opts.evict) await ref.evict?.();
    const done = { run: run.name, step: ref.step, checkpoint: ref.name, outcomes: stored };
    opts.onCheckpoint?.(done, prepared.byBehaviour);
    checkpoints.push(done);
    opts.onProgress?.({ type: 'checkpoint', run: run.name, step: ref.step, index, total: plan.length, computed: missing.length, cached: prepared.probes.length - missing.length });
    index++;
  }
  return { suite: opts.suite.name, probes: prepared!.byBehaviour, checkpoints };
}

interface Prepared {
  tokenizer: TextTokenizer;
  probes: Probe[];
  byBehaviour: Map<string, Probe[]>;
  requests: Map<string, Request[]>;
}

/** Probes and their token-level requests depend on the tokenizer only: built once per suite. */
function prepare(behaviours: readonly Behaviour[], firstDir: string): Prepared {
  const tokenizer = openTokenizer(tokenizerDir(firstDir));
  const byBehaviour = new Map<string, Probe[]>();
  for (const b of behaviours) {
    let probes: Probe[];
    try {
      probes = expandProbes(b, { tokenizer, vocabSize: tokenizer.vocabSize });
    } catch (e) {
      throw new LmbError('SPEC_FAILED', `behaviour "${b.name}" (${b.file ?? 'unknown file'}) threw while making its probes: ${thrownLine(e)}`,
        'Fix the spec file; run it alone with vitest --project behaviours <file>');
    }
    if (probes.length === 0) throw new LmbError('SPEC_EMPTY', `behaviour "${b.name}" (${b.file ?? 'unknown file'}) has no probes`, 'Give it a list or a generator with count > 0');
    byBehaviour.set(b.name, probes);
  }
  const probes = [...byBehaviour.values()].flat();
  const requests = new Map(probes.map((p) => [p.id, probeRequests(p, tokenizer)]));
  return { tokenizer, probes, byBehaviour, requests };
}

async function evaluateCheckpoint(dir: string, run: Run, probes: readonly Probe[], prepared: Prepared, modelOpts: EvaluateOptions['model']): Promise<Map<string, Outcome>> {
  const model: LanguageModel = await loadModel(dir, { ...modelOpts, configOverrides: { ...run.configOverrides } });
  try {
    checkTokenizerFits(prepared.tokenizer, model.vocabSize, tokenizerDir(dir));
    const requests = probes.flatMap((p) => prepared.requests.get(p.id)!);
    const answers = await answerRequests(new Scorer(model), requests);
    const outcomes = new Map<string, Outcome>();
    let at = 0;
    for (const p of probes) {
      const n = prepared.requests.get(p.id)!.length;
      outcomes.set(p.id, judgeProbe(p, answers.slice(at, at + n), prepared.tokenizer));
      at += n;
    }
    return outcomes;
  } finally {
    await model.dispose();
  }
}

const isDir = (p: string) => statSync(p).isDirectory();
const checkpointDir = (p: string) => (isDir(p) ? p : join(p, '..'));
const tokenizerDir = checkpointDir;
const weightsFile = (p: string) => (isDir(p) ? openCheckpoint(p).weightsPath : p);
