import { LmbError } from '../../errors.js';
import { shownPath } from '../../files/shown-path.js';
import { documentTokens, precedingText } from '../tokens/documents.js';
import { scoredMatrix, type TokenAnalysisOptions } from '../tokens/scored-matrix.js';
import { TokenStore } from '../tokens/store.js';
import { principalComponents, SIGN_CONVENTION } from './components.js';
import { selectModels } from './models.js';
import { componentScores, scoreEnds } from './scores.js';

export interface PcaOptions extends TokenAnalysisOptions {
  /** Runs by name or alias (default: all). */
  runs?: readonly string[];
  /** Checkpoints of each run, in the `--checkpoints` syntax (default `all`). */
  checkpoints?: string;
  /** Components reported with loadings and end tokens (default 3). */
  components?: number;
  /** Tokens shown at each end of a component (default 10). */
  top?: number;
}

/** A token at one end of a component. */
export interface PcaToken {
  doc: number;
  position: number;
  tokenId: number;
  token: string;
  /** The preceding tokens of its document, decoded. */
  context: string;
  /** Its score on the component, nats: Σ loading · (its loss − the checkpoint's mean loss). */
  score: number;
  /** Its loss averaged over all checkpoints, and over the runs' checkpoints at the first and the last step. */
  meanLoss: number;
  lossFirstStep: number;
  lossLastStep: number;
}

export interface PcaVariance {
  /** 1-based. */
  component: number;
  variance: number;
  ratio: number;
  cumulative: number;
}

export interface PcaComponent extends PcaVariance {
  /** One per checkpoint, in the order of PcaSummary.models. */
  loadings: number[];
  high: PcaToken[];
  low: PcaToken[];
}

/** Everything pca.json holds. */
export interface PcaSummary {
  suite: string;
  corpus: { id: string; source: string };
  /** Tokens with a finite log-prob under every checkpoint: the rows of the PCA. */
  tokens: number;
  /** Tokens left out because some checkpoint has no finite log-prob for them. */
  skippedTokens: number;
  /** The columns, run by run then by step; meanLoss in nats over the PCA's tokens. */
  models: { run: string; step: number; meanLoss: number }[];
  firstStep: number;
  lastStep: number;
  totalVariance: number;
  signConvention: string;
  /** Every component's share of the variance. */
  explained: PcaVariance[];
  /** The top components: loadings and the tokens at both ends. */
  components: PcaComponent[];
}

/**
 * PCA of the tokens x checkpoints matrix of per-token losses: scores the corpus with the selected
 * checkpoints (only what the token store lacks), centres each checkpoint's losses, and decomposes
 * their covariance. Each checkpoint's loading shows how the component moves over training; the
 * tokens at both ends show what it is about.
 */
export async function analysePca(opts: PcaOptions): Promise<PcaSummary> {
  const models = selectModels(opts.suite, opts);
  const k = opts.components ?? 3;
  if (!Number.isInteger(k) || k < 1 || k > models.length) {
    throw new LmbError('COMPONENTS_TOO_MANY', `--components ${k} is not between 1 and the ${models.length} checkpoints selected`,
      `Use --components ${Math.min(3, models.length)} (at most ${models.length}), or select more checkpoints`);
  }
  const store = await TokenStore.open(opts.store ?? TokenStore.pathIn(opts.cacheDir));
  try {
    const { scores: scored, matrix: m, tokenizer: tok } = await scoredMatrix(store, models, opts);
    const rows = completeRows(m.logprobs);
    if (rows.length < 2) {
      throw new LmbError('TOKENS_TOO_FEW', `corpus ${scored.source} has ${rows.length} token(s) scored by every checkpoint; PCA needs at least 2`, 'Pass --corpus a longer text');
    }
    const losses = m.logprobs.map((lp) => Float32Array.from(rows, (r) => -lp[r]));
    const pc = principalComponents(losses);
    const docs = await documentTokens(store, m);
    const steps = models.map((p) => p.ref.step);
    const [firstStep, lastStep] = [Math.min(...steps), Math.max(...steps)];
    const meanAt = (i: number, step: number) => mean(losses.filter((_, c) => steps[c] === step).map((col) => col[i]));
    const token = (i: number, score: number): PcaToken => {
      const [doc, position, tokenId] = [m.doc[rows[i]], m.position[rows[i]], m.tokenId[rows[i]]];
      return {
        doc, position, tokenId, token: tok.tokenText(tokenId), context: precedingText(tok, docs[doc], position, opts.contextTokens ?? 8),
        score, meanLoss: mean(losses.map((col) => col[i])), lossFirstStep: meanAt(i, firstStep), lossLastStep: meanAt(i, lastStep),
      };
    };
    // A row's losses depend only on its document's tokens up to it: equal prefixes are one token to show.
    const prefix = (i: number) => docs[m.doc[rows[i]]].slice(0, m.position[rows[i]] + 1).join(',');
    let cumulative = 0;
    const explained = Array.from(pc.variances, (variance, c) => ({ component: c + 1, variance, ratio: pc.ratios[c], cumulative: (cumulative += pc.ratios[c]) }));
    return {
      suite: opts.suite.name,
      corpus: { id: scored.corpus, source: shownPath(scored.source) },
      tokens: rows.length,
      skippedTokens: m.doc.length - rows.length,
      models: models.map((p, c) => ({ run: p.run.name, step: p.ref.step, meanLoss: pc.means[c] })),
      firstStep,
      lastStep,
      totalVariance: pc.totalVariance,
      signConvention: SIGN_CONVENTION,
      explained,
      components: explained.slice(0, k).map((e, c) => {
        const scores = componentScores(losses, pc.means, pc.loadings[c]);
        const ends = scoreEnds(scores, opts.top ?? 10, prefix);
        return { ...e, loadings: [...pc.loadings[c]], high: ends.high.map((i) => token(i, scores[i])), low: ends.low.map((i) => token(i, scores[i])) };
      }),
    };
  } finally {
    store.close();
  }
}

/** Rows where every column is finite. */
function completeRows(columns: readonly Float32Array[]): Int32Array {
  const keep: number[] = [];
  for (let r = 0; r < (columns[0]?.length ?? 0); r++) if (columns.every((c) => Number.isFinite(c[r]))) keep.push(r);
  return Int32Array.from(keep);
}

const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
