import { shownPath } from '../../files/shown-path.js';
import type { TextTokenizer } from '../../tokenize/tokenizer.js';
import { documentTokens } from '../tokens/documents.js';
import type { TokenMatrix } from '../tokens/matrix.js';
import { scoredMatrix, type TokenAnalysisOptions } from '../tokens/scored-matrix.js';
import { TokenStore } from '../tokens/store.js';
import { classSummary, type ClassStats } from './class-summary.js';
import { pearson, spearman } from './correlation.js';
import { topOutliers } from './outliers.js';
import { pickCheckpoint } from './pick.js';
import { seenEarlier, tokenClasses, type TokenClass } from './token-class.js';

export interface ScatterOptions extends TokenAnalysisOptions {
  /** Checkpoints as `run@step` or `run@final`. */
  a: string;
  b: string;
  /** Outliers each way (default 20). */
  top?: number;
}

/** A token where the two checkpoints disagree a lot. */
export interface Outlier {
  doc: number;
  position: number;
  tokenId: number;
  token: string;
  /** The preceding tokens of its document, decoded. */
  context: string;
  logprobA: number;
  logprobB: number;
  /** logprobA - logprobB. */
  diff: number;
  classes: TokenClass[];
}

export interface ScatterSide {
  label: string;
  run: string;
  step: number;
  /** Mean loss over the compared tokens, nats. */
  meanLoss: number;
}

/** Everything scatter.json holds. */
export interface ScatterSummary {
  suite: string;
  corpus: { id: string; source: string };
  a: ScatterSide;
  b: ScatterSide;
  /** Tokens where both log-probs are stored and finite. */
  tokens: number;
  pearson: number;
  spearman: number;
  /** Mean of logprob_A - logprob_B, nats. */
  meanDiff: number;
  outliers: { aBetter: Outlier[]; bBetter: Outlier[] };
  classes: ClassStats[];
}

export interface ScatterResult {
  summary: ScatterSummary;
  /** Per-token log-probs, row-aligned, for the plot. */
  logprobsA: Float32Array;
  logprobsB: Float32Array;
}

/**
 * Compares two checkpoints token by token: scores the corpus with just those two (only what the
 * token store lacks), reads their log-probs back, and measures how alike they are, where they
 * differ most and on which kinds of token each is better.
 */
export async function analyseScatter(opts: ScatterOptions): Promise<ScatterResult> {
  const a = pickCheckpoint(opts.suite, opts.a);
  const b = pickCheckpoint(opts.suite, opts.b);
  const store = await TokenStore.open(opts.store ?? TokenStore.pathIn(opts.cacheDir));
  try {
    const { scores, matrix: m, tokenizer: tok } = await scoredMatrix(store, [a, b], opts);
    const docs = await documentTokens(store, m);
    const [x, y] = m.logprobs;
    const classes = rowClasses(m, docs, tok);
    const rows = topOutliers(x, y, opts.top ?? 20);
    const outlier = (i: number): Outlier => {
      const [doc, position] = [m.doc[i], m.position[i]];
      const ids = docs[doc].slice(Math.max(0, position - (opts.contextTokens ?? 8)), position);
      return { doc, position, tokenId: m.tokenId[i], token: tok.tokenText(m.tokenId[i]), context: tok.decode(ids), logprobA: x[i], logprobB: y[i], diff: x[i] - y[i], classes: classes[i] };
    };
    const [fx, fy] = finitePairs(x, y);
    const side = (p: typeof a, v: Float64Array): ScatterSide => ({ label: p.label, run: p.run.name, step: p.ref.step, meanLoss: -mean(v) });
    return {
      summary: {
        suite: opts.suite.name,
        corpus: { id: scores.corpus, source: shownPath(scores.source) },
        a: side(a, fx),
        b: side(b, fy),
        tokens: fx.length,
        pearson: pearson(fx, fy),
        spearman: spearman(fx, fy),
        meanDiff: mean(fx) - mean(fy),
        outliers: { aBetter: rows.aBetter.map(outlier), bBetter: rows.bBetter.map(outlier) },
        classes: classSummary(x, y, classes),
      },
      logprobsA: x,
      logprobsB: y,
    };
  } finally {
    store.close();
  }
}


function rowClasses(m: TokenMatrix, docs: number[][], tok: TextTokenizer): TokenClass[][] {
  const seen = docs.map((ids) => seenEarlier(ids));
  const text = new Map<number, string>();
  return Array.from(m.tokenId, (id, i) => {
    if (!text.has(id)) text.set(id, tok.tokenText(id));
    return tokenClasses(text.get(id)!, seen[m.doc[i]][m.position[i]]);
  });
}

function finitePairs(x: Float32Array, y: Float32Array): [Float64Array, Float64Array] {
  const keep: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) keep.push(i);
  return [Float64Array.from(keep, (i) => x[i]), Float64Array.from(keep, (i) => y[i])];
}

const mean = (v: Float64Array) => v.reduce((s, t) => s + t, 0) / v.length;
