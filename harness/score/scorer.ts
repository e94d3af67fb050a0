import { LmbError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { planBatches } from './batches.js';
import type { CacheBudget } from './shared-context.js';
import { planWindows } from './windows.js';

/** Per-token scores of one sequence; index 0 has no prediction (NaN / -1). */
export interface TokenScores {
  ids: readonly number[];
  /** logprobs[t] = log p(ids[t] | ids[<t]); NaN at t = 0. */
  logprobs: Float32Array;
  /** top1[t] = argmax p(. | ids[<t]); -1 at t = 0. */
  top1: Int32Array;
}

export interface ScorerOptions {
  /**
   * Padded tokens per forward pass. Results do not depend on it. The default keeps the
   * [tokens, vocab] logits under 256 MB (1335 tokens for GPT-2), but at least 1024 tokens.
   */
  batchTokens?: number;
  /** Rows per forward pass at most (default 64). */
  batchRows?: number;
  /** Window step for sequences longer than the context (default: half the context). */
  stride?: number;
  /** Bytes of keys and values one batch may hold, with a cached model (default 256 MiB). */
  cacheBytes?: number;
}

interface Row {
  seq: number;
  start: number;
  end: number;
  scoreFrom: number;
}

/** Scores token sequences with a model: batched by length, windowed, put back in order. */
export class Scorer {
  constructor(
    readonly model: LanguageModel,
    private opts: ScorerOptions = {},
  ) {}

  /** Batch sizes, with their defaults filled in. */
  get budget(): CacheBudget {
    return {
      batchTokens: this.opts.batchTokens ?? Math.max(1024, Math.min(8192, Math.floor(2 ** 26 / this.model.vocabSize))),
      batchRows: this.opts.batchRows ?? 64,
      cacheBytes: this.opts.cacheBytes ?? 2 ** 28,
    };
  }

  /**
   * Scores every token of each sequence, or only tokens from `from[i]` on (the rest stay NaN /
   * -1): the model's head then runs only where an answer is wanted.
   */
  async score(sequences: readonly (readonly number[])[], opts: { from?: readonly number[] } = {}): Promise<TokenScores[]> {
    sequences.forEach((s, i) => this.check(s, i));
    const C = this.model.contextLength;
    const stride = this.opts.stride ?? Math.max(1, Math.floor(C / 2));
    const rows: Row[] = sequences.flatMap((s, seq) => {
      const from = Math.max(1, opts.from?.[seq] ?? 1);
      if (s.length <= from) return [];
      return planWindows(s.length, C, stride)
        .map((w) => ({ seq, ...w, scoreFrom: Math.max(w.scoreFrom, from) }))
        .filter((w) => w.scoreFrom < w.end);
    });
    const results = sequences.map((ids) => ({
      ids,
      logprobs: new Float32Array(ids.length).fill(NaN),
      top1: new Int32Array(ids.length).fill(-1),
    }));
    const batches = planBatches(rows.map((r) => r.end - r.start), { maxTokens: this.budget.batchTokens, maxRows: this.budget.batchRows });
    for (const batch of batches) {
      const width = rows[batch[0]].end - rows[batch[0]].start;
      const scored = Math.max(...batch.map((i) => rows[i].end - rows[i].scoreFrom));
      const ids: number[][] = [];
      const positions: number[][] = [];
      const targets: number[][] = [];
      for (const r of batch.map((i) => rows[i])) {
        const s = sequences[r.seq];
        ids.push([...s.slice(r.start, r.end), ...new Array<number>(width - (r.end - r.start)).fill(0)]);
        // The output at window offset j predicts the token at position start + j + 1. Rows
        // with fewer positions repeat their last one; the repeats are not read back.
        const pos = Array.from({ length: scored }, (_, k) => Math.min(r.scoreFrom + k, r.end - 1) - 1 - r.start);
        positions.push(pos);
        targets.push(pos.map((j) => s[r.start + j + 1]));
      }
      const out = await this.model.forward(ids, targets, { positions });
      batch.forEach((rowIndex, b) => {
        const r = rows[rowIndex];
        const res = results[r.seq];
        for (let t = r.scoreFrom; t < r.end; t++) {
          const k = b * scored + (t - r.scoreFrom);
          res.logprobs[t] = out.logprobs[k];
          res.top1[t] = out.top1[k];
        }
      });
    }
    return results;
  }

  /**
   * The argmax next token after each sequence: only the last position goes through the
   * model's head, so greedy decoding does not pay for scoring every position again.
   */
  async nextTokens(sequences: readonly (readonly number[])[]): Promise<number[]> {
    sequences.forEach((s, i) => {
      if (s.length === 0) throw new LmbError('CONTEXT_EMPTY', `sequence ${i} is empty: there is nothing to continue`, 'Start the prompt with at least one token');
      this.check(s, i);
    });
    const C = this.model.contextLength;
    const tails = sequences.map((s) => s.slice(Math.max(0, s.length - C)));
    const next = new Array<number>(sequences.length);
    const batches = planBatches(tails.map((t) => t.length), { maxTokens: this.opts.batchTokens ?? 8192, maxRows: this.opts.batchRows ?? 64 });
    for (const batch of batches) {
      const width = tails[batch[0]].length;
      const ids = batch.map((i) => [...tails[i], ...new Array<number>(width - tails[i].length).fill(0)]);
      const out = await this.model.forward(ids, batch.map(() => [0]), { positions: batch.map((i) => [tails[i].length - 1]) });
      batch.forEach((i, b) => (next[i] = out.top1[b]));
    }
    return next;
  }

  private check(ids: readonly number[], index: number): void {
    const V = this.model.vocabSize;
    for (let t = 0; t < ids.length; t++) {
      const id = ids[t];
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        throw new LmbError('TOKEN_OUT_OF_RANGE',
          `token id ${id} at position ${t} of sequence ${index} is outside ${this.model.source}'s vocabulary (0..${V - 1})`,
          'Use the tokenizer that belongs to this model');
      }
    }
  }
}
