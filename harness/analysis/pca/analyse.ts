import { LmbError } from '../../errors.js';
import { shownPath } from '../../files/shown-path.js';
import { precedingText } from '../tokens/documents.js';
import { scoredCorpus, type TokenAnalysisOptions } from '../tokens/scored-matrix.js';
import { TokenStore } from '../tokens/store.js';
import { SIGN_CONVENTION } from './components.js';
import { selectModels } from './models.js';
import { pcaOfStore, type EndToken } from './store-pca.js';

export interface PcaOptions extends TokenAnalysisOptions {
  /** Runs by name or alias (default: all). */
  runs?: readonly string[];
  /** Checkpoints of each run, in the `--checkpoints` syntax (default `all`). */
  checkpoints?: string;
  /** Components reported with loadings and end tokens (default 3). */
  components?: number;
  /** Tokens shown at each end of a component (default 10). */
  top?: number;
  /** Token rows read from the token store at a time (default BLOCK_TOKENS, 65536): memory holds one block x checkpoints of losses, never the whole matrix. */
  blockTokens?: number;
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
 * their covariance, reading the store a block of tokens at a time (pcaOfStore). Each checkpoint's
 * loading shows how the component moves over training; the tokens at both ends show what it is about.
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
    const { scores: scored, tokenizer: tok, picks } = await scoredCorpus(store, models, opts);
    const pca = await pcaOfStore(store, { corpus: scored.corpus, checkpoints: picks, components: k, top: opts.top, blockTokens: opts.blockTokens });
    const { pc } = pca;
    const steps = models.map((p) => p.ref.step);
    const token = (t: EndToken): PcaToken => ({
      doc: t.doc, position: t.position, tokenId: t.tokenId, token: tok.tokenText(t.tokenId), context: precedingText(tok, pca.docs[t.doc], t.position, opts.contextTokens ?? 8),
      score: t.score, meanLoss: t.meanLoss, lossFirstStep: t.lossFirstStep, lossLastStep: t.lossLastStep,
    });
    let cumulative = 0;
    const explained = Array.from(pc.variances, (variance, c) => ({ component: c + 1, variance, ratio: pc.ratios[c], cumulative: (cumulative += pc.ratios[c]) }));
    return {
      suite: opts.suite.name,
      corpus: { id: scored.corpus, source: shownPath(scored.source) },
      tokens: pca.tokens,
      skippedTokens: pca.skippedTokens,
      models: models.map((p, c) => ({ run: p.run.name, step: p.ref.step, meanLoss: pc.means[c] })),
      firstStep: Math.min(...steps),
      lastStep: Math.max(...steps),
      totalVariance: pc.totalVariance,
      signConvention: SIGN_CONVENTION,
      explained,
      components: explained.slice(0, k).map((e, c) => ({ ...e, loadings: [...pc.loadings[c]], high: pca.ends[c].high.map(token), low: pca.ends[c].low.map(token) })),
    };
  } finally {
    store.close();
  }
}
