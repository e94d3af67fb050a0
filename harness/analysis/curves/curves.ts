import { LmbError } from '../../errors.js';
import { shownPath } from '../../files/shown-path.js';
import type { GridItem } from '../../suite/select.js';
import type { CheckpointRef, Run } from '../../suite/suite.js';
import { documentTokens, precedingText } from '../tokens/documents.js';
import { scoredCorpus, type TokenAnalysisOptions } from '../tokens/scored-matrix.js';
import { TokenStore } from '../tokens/store.js';
import { logStepAxis } from './axis.js';
import type { ChosenBy } from './choose.js';
import { BIC_MARGIN, classifyCurve, MIN_CHECKPOINTS, POOR_FIT_R2, RESIDUAL_RMS_FLOOR, type CurveClass, type CurveFit } from './classify.js';
import { pickExamples } from './examples.js';
import { curveRows } from './rows.js';
import { crossRunShares, runShares, type CrossRunShares, type RunShares } from './shares.js';

/** A token of the corpus: its document index and position there, as curves.md and scatter.md print them (doc:pos). */
export interface TokenAt {
  doc: number;
  position: number;
}

export interface CurvesOptions extends TokenAnalysisOptions {
  /** The (run, checkpoint) pairs, run by run (selectGrid); default: every checkpoint of every run. Each run needs MIN_CHECKPOINTS. */
  grid?: readonly GridItem[];
  /** How many of the most disagreeing tokens (default 500). */
  tokens?: number;
  /** These tokens instead. */
  at?: readonly TokenAt[];
  /** How much lower the logistic's BIC must be to call a curve S-shaped (default BIC_MARGIN). */
  margin?: number;
  /** Example curves of each class for the chart and the markdown (default 3). */
  examples?: number;
  /** Token rows read from the token store at a time (default BLOCK_TOKENS, 65536): memory holds one block x checkpoints, never the whole matrix. */
  blockTokens?: number;
}

/** One run's loss on a token at each of its checkpoints (nats, in step order), the two fits and the verdict. */
export interface RunCurve extends CurveFit {
  run: string;
  losses: number[];
}

export interface TokenCurves extends TokenAt {
  tokenId: number;
  token: string;
  /** The preceding tokens of its document, decoded. */
  context: string;
  /** Spread of the runs' final log-probs (one run: its total change), nats. */
  disagreement: number;
  runs: RunCurve[];
}

/** An example curve: a token by doc:pos and one of its runs. */
export interface CurveExample extends TokenAt {
  run: string;
}

/** Everything curves.json holds. */
export interface CurvesSummary {
  suite: string;
  corpus: { id: string; source: string };
  /** Curves are fitted in x = ln(1 + step / s0). */
  axis: { s0: number };
  rule: { bicMargin: number; residualRmsFloor: number; poorFitR2: number; minCheckpoints: number };
  chosenBy: ChosenBy;
  runs: RunShares[];
  crossRun: CrossRunShares;
  tokens: TokenCurves[];
  examples: Record<CurveClass, CurveExample[]>;
}

/**
 * Per-token loss curves over checkpoints: scores the corpus with every selected checkpoint (only
 * what the token store lacks), picks the tokens where the runs end up disagreeing most (or the
 * ones named), fits each run's curve with a logistic and a smooth curve in log-step, and counts
 * how many are S-shaped per run.
 */
export async function analyseCurves(opts: CurvesOptions): Promise<CurvesSummary> {
  const plan = opts.suite.runs.filter((run) => !opts.grid || opts.grid.some((g) => g.run === run))
    .map((run) => ({ run, refs: opts.grid ? opts.grid.filter((g) => g.run === run).map((g) => g.ref) : run.checkpoints }));
  for (const { run, refs } of plan) checkEnoughCheckpoints(run, refs);
  const store = await TokenStore.open(opts.store ?? TokenStore.pathIn(opts.cacheDir));
  try {
    const { scores, tokenizer: tok, picks } = await scoredCorpus(store, plan.flatMap((p) => p.refs.map((ref) => ({ run: p.run, ref }))), opts);
    const { ids: m, choice, logprobs } = await curveRows(store, {
      corpus: scores.corpus, picks, shape: plan.map((p) => p.refs.length), at: opts.at, count: opts.tokens ?? 500, blockTokens: opts.blockTokens,
    });
    const axis = logStepAxis(plan.flatMap((p) => p.refs.map((ref) => ref.step)));
    const margin = opts.margin ?? BIC_MARGIN;
    const docs = await documentTokens(store, m);
    const tokens: TokenCurves[] = choice.rows.map((row, i) => ({
      doc: m.doc[row],
      position: m.position[row],
      tokenId: m.tokenId[row],
      token: tok.tokenText(m.tokenId[row]),
      context: precedingText(tok, docs[m.doc[row]], m.position[row], opts.contextTokens ?? 8),
      disagreement: choice.scores[i],
      runs: plan.map((p, r) => {
        const losses = logprobs[r].map((c) => -c[i]);
        return { run: p.run.name, losses, ...classifyCurve(p.refs.map((ref) => ref.step), losses, { axis, margin }) };
      }),
    }));
    const examples = pickExamples(tokens.map((t) => t.runs), opts.examples ?? 3);
    const example = ({ token, run }: { token: number; run: number }): CurveExample => ({ doc: tokens[token].doc, position: tokens[token].position, run: plan[run].run.name });
    return {
      suite: opts.suite.name,
      corpus: { id: scores.corpus, source: shownPath(scores.source) },
      axis,
      rule: { bicMargin: margin, residualRmsFloor: RESIDUAL_RMS_FLOOR, poorFitR2: POOR_FIT_R2, minCheckpoints: MIN_CHECKPOINTS },
      chosenBy: choice.by,
      runs: plan.map((p, r) => runShares(p.run.name, p.refs.map((ref) => ref.step), tokens.map((t) => t.runs[r]))),
      crossRun: crossRunShares(tokens.map((t) => t.runs)),
      tokens,
      examples: { 'S-shaped': examples['S-shaped'].map(example), smooth: examples.smooth.map(example) },
    };
  } finally {
    store.close();
  }
}

function checkEnoughCheckpoints(run: Run, refs: readonly CheckpointRef[]): void {
  if (new Set(refs.map((r) => r.step)).size >= MIN_CHECKPOINTS) return;
  const has = run.checkpoints.length;
  throw new LmbError('CHECKPOINTS_TOO_FEW', `run ${run.name} has ${refs.length} checkpoint${refs.length === 1 ? '' : 's'} selected (${refs.map((r) => r.step).join(', ') || 'none'}); a loss curve needs at least ${MIN_CHECKPOINTS} to tell an S from a smooth curve`,
    has >= MIN_CHECKPOINTS ? 'Select more, e.g. --checkpoints all or log:8' : `The run has only ${has} in all: curves need runs with at least ${MIN_CHECKPOINTS}`);
}
