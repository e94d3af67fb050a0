import { LmbError } from '../../errors.js';
import { TokenBlocks } from '../tokens/blocks.js';
import { documentTokens } from '../tokens/documents.js';
import type { CheckpointPick, StoredCheckpoint } from '../tokens/matrix.js';
import type { TokenStore } from '../tokens/store.js';
import { componentsOf, type PrincipalComponents } from './components.js';
import { CovarianceSum } from './covariance.js';
import { componentScores, scoreEnds } from './scores.js';

export interface StorePcaOptions {
  /** A corpus id, or the source file it was scored from. */
  corpus: string;
  /** The columns, in order (default: as readTokenMatrix). */
  checkpoints?: readonly CheckpointPick[];
  /** Components whose end tokens are found (default 3). */
  components?: number;
  /** Tokens at each end of a component (default 10). */
  top?: number;
  /** Token rows read from the store at a time (default BLOCK_TOKENS): memory holds that many x checkpoints losses, not the whole matrix. */
  blockTokens?: number;
}

/** A token at one end of a component, not yet decoded. */
export interface EndToken {
  doc: number;
  position: number;
  tokenId: number;
  score: number;
  meanLoss: number;
  lossFirstStep: number;
  lossLastStep: number;
}

export interface StorePca {
  corpus: string;
  checkpoints: StoredCheckpoint[];
  /** Rows with a finite log-prob under every checkpoint, and the others. */
  tokens: number;
  skippedTokens: number;
  pc: PrincipalComponents;
  /** Every document's token ids (documentTokens). */
  docs: number[][];
  /** Of each top component. */
  ends: { high: EndToken[]; low: EndToken[] }[];
}

/**
 * PCA of a stored corpus's tokens x checkpoints losses, read a block of tokens at a time: one pass
 * for the means, one for the covariance, one for the top components' token scores. Each sum runs
 * in the order principalComponents() and componentScores() use, so the numbers are theirs to the bit.
 */
export async function pcaOfStore(store: TokenStore, opts: StorePcaOptions): Promise<StorePca> {
  const blocks = await TokenBlocks.open(store, opts);
  try {
    const kept: number[] = [];
    const sums = new Float64Array(blocks.checkpoints.length);
    for await (const b of lossBlocks(blocks, opts.blockTokens)) {
      for (const r of b.complete) kept.push(b.start + r);
      b.losses.forEach((col, c) => {
        for (let r = 0; r < col.length; r++) sums[c] += col[r];
      });
    }
    const rows = Int32Array.from(kept);
    if (rows.length < 2) {
      throw new LmbError('TOKENS_TOO_FEW', `corpus ${blocks.corpus.source} has ${rows.length} token(s) scored by every checkpoint; PCA needs at least 2`, 'Pass --corpus a longer text');
    }
    const means = sums.map((sum) => sum / rows.length);
    const cov = new CovarianceSum(means);
    for await (const b of lossBlocks(blocks, opts.blockTokens)) cov.add(b.losses);
    const pc = componentsOf(rows.length, means, cov.covariance());
    const steps = blocks.checkpoints.map((c) => c.step);
    const s = await tokenScores(blocks, opts.blockTokens, rows.length, pc.loadings.slice(0, opts.components ?? 3), means, steps);
    const ids = await blocks.ids();
    const docs = await documentTokens(store, ids);
    // A row's losses depend only on its document's tokens up to it: equal prefixes are one token to show.
    const prefix = (i: number) => docs[ids.doc[rows[i]]].slice(0, ids.position[rows[i]] + 1).join(',');
    const end = (c: number) => (i: number): EndToken => ({
      doc: ids.doc[rows[i]], position: ids.position[rows[i]], tokenId: ids.tokenId[rows[i]],
      score: s.scores[c][i], meanLoss: s.meanLoss[i], lossFirstStep: s.lossFirstStep[i], lossLastStep: s.lossLastStep[i],
    });
    return {
      corpus: blocks.corpus.id,
      checkpoints: blocks.checkpoints.map(({ id: _, ...c }) => c),
      tokens: rows.length,
      skippedTokens: blocks.rows - rows.length,
      pc,
      docs,
      ends: s.scores.map((scores, c) => {
        const ends = scoreEnds(scores, opts.top ?? 10, prefix);
        return { high: ends.high.map(end(c)), low: ends.low.map(end(c)) };
      }),
    };
  } finally {
    await blocks.close();
  }
}

/**
 * The `n` complete rows' scores on each component (componentScores), and their loss averaged
 * over all checkpoints, and over those at the first and at the last step.
 */
async function tokenScores(blocks: TokenBlocks, size: number | undefined, n: number, loadings: readonly Float64Array[], means: Float64Array, steps: readonly number[]) {
  const at = (step: number) => steps.flatMap((s, c) => (s === step ? [c] : []));
  const [first, last] = [at(Math.min(...steps)), at(Math.max(...steps))];
  const scores = loadings.map(() => new Float64Array(n));
  const [meanLoss, lossFirstStep, lossLastStep] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const mean = (losses: readonly Float32Array[], columns: readonly number[], r: number) => {
    let sum = 0;
    for (const c of columns) sum += losses[c][r];
    return sum / columns.length;
  };
  const all = steps.map((_, c) => c);
  let offset = 0;
  for await (const b of lossBlocks(blocks, size)) {
    loadings.forEach((loading, k) => scores[k].set(componentScores(b.losses, means, loading), offset));
    for (let r = 0; r < b.complete.length; r++) {
      meanLoss[offset + r] = mean(b.losses, all, r);
      lossFirstStep[offset + r] = mean(b.losses, first, r);
      lossLastStep[offset + r] = mean(b.losses, last, r);
    }
    offset += b.complete.length;
  }
  return { scores, meanLoss, lossFirstStep, lossLastStep };
}

/** Each block with its rows finite under every checkpoint (`complete`) and their losses (−log-prob, float32 as stored). */
async function* lossBlocks(blocks: TokenBlocks, size?: number) {
  for await (const b of blocks.read(size)) {
    const complete: number[] = [];
    for (let r = 0; r < b.rows; r++) {
      let finite = true;
      for (let c = 0; c < b.logprobs.length && finite; c++) finite = Number.isFinite(b.logprobs[c][r]);
      if (finite) complete.push(r);
    }
    const losses = b.logprobs.map((lp) => {
      const loss = new Float32Array(complete.length);
      for (let i = 0; i < complete.length; i++) loss[i] = -lp[complete[i]];
      return loss;
    });
    yield { ...b, complete, losses };
  }
}
