/**
 * Prefix matching (Olsson et al. 2022): on a random sequence repeated several times, how much
 * of a head's attention goes from a token to the tokens that followed its earlier occurrences.
 * An induction head scores near 1; a head attending uniformly scores about (repeat - 1) / position.
 */
import { LmbError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';
import { prng } from './prng.js';

/** A batch of `[start, s, s, ..., s]` rows: `period` random tokens repeated `repeats` times. */
export interface RepeatedSequences {
  rows: number[][];
  period: number;
  repeats: number;
}

/**
 * Token ids fit to repeat: the distinct ids of `sample` (a tokenized text) ranked by how often
 * they occur, without the `fraction` most and `fraction` least common ranks and without
 * `exclude` (special ids). Ids absent from the sample count among the least common and are
 * left out. Ties are broken by id, so the result is the same on every machine.
 */
export function candidateTokens(sample: readonly number[], exclude: readonly number[], fraction = 0.1): number[] {
  const counts = new Map<number, number>();
  for (const id of sample) counts.set(id, (counts.get(id) ?? 0) + 1);
  const skip = new Set(exclude);
  const ranked = [...counts].filter(([id]) => !skip.has(id)).sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);
  const cut = Math.floor(ranked.length * fraction);
  return ranked.slice(cut, ranked.length - cut).sort((a, b) => a - b);
}

/**
 * `count` rows of a start token then `repeats` copies of `period` distinct tokens drawn from
 * `candidates` (seeded, so every checkpoint sees the same rows).
 */
export function repeatedSequences(candidates: readonly number[], opts: { start: number; period: number; repeats: number; count: number; seed: number }): RepeatedSequences {
  const { period, repeats } = opts;
  if (candidates.length < period) {
    throw new LmbError('TOKENS_TOO_FEW', `only ${candidates.length} token ids are fit to repeat; prefix matching needs ${period}`,
      'Use a larger text sample or a shorter period');
  }
  const rand = prng(opts.seed);
  const rows = Array.from({ length: opts.count }, () => {
    const pool = [...candidates];
    // A partial Fisher-Yates shuffle: `period` distinct ids, so each token's earlier occurrences are unambiguous.
    for (let i = 0; i < period; i++) {
      const j = i + Math.floor(rand() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    const s = pool.slice(0, period);
    return [opts.start, ...Array.from({ length: repeats }, () => s).flat()];
  });
  return { rows, period, repeats };
}

/**
 * Prefix-matching score of every head of one layer, from its attention probabilities
 * `[B, H, T, T]` (query-major) on `seq`: for each token in copies 2..repeats, the attention it
 * pays to the tokens that followed each of its earlier occurrences, summed; then the mean over
 * those tokens and the rows.
 */
export function prefixMatchingScores(attention: Float32Array, heads: number, seq: RepeatedSequences): number[] {
  const B = seq.rows.length;
  const T = seq.rows[0].length;
  const { period: L, repeats } = seq;
  if (attention.length !== B * heads * T * T) {
    throw new LmbError('ATTENTION_SHAPE_MISMATCH', `attention has ${attention.length} values, expected ${B}x${heads}x${T}x${T}`);
  }
  const scores = new Array<number>(heads).fill(0);
  const queries = B * (repeats - 1) * L;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      const base = (b * heads + h) * T * T;
      for (let r = 1; r < repeats; r++) {
        for (let i = 0; i < L; i++) {
          const q = 1 + r * L + i;
          let sum = 0;
          for (let earlier = 0; earlier < r; earlier++) sum += attention[base + q * T + (1 + earlier * L + i + 1)];
          scores[h] += sum;
        }
      }
    }
  }
  return scores.map((s) => s / queries);
}

/**
 * The score of a head that attends uniformly to every token so far: the query at position q in
 * copy r + 1 has r targets among its q + 1 keys. The chance line a forming induction head rises from.
 */
export function uniformPrefixMatching(seq: Pick<RepeatedSequences, 'period' | 'repeats'>): number {
  const { period: L, repeats } = seq;
  let sum = 0;
  for (let r = 1; r < repeats; r++) for (let i = 0; i < L; i++) sum += r / (1 + r * L + i + 1);
  return sum / ((repeats - 1) * L);
}

/** Every head's prefix-matching score, `[layer][head]`, from one forward pass over `seq`. */
export async function measurePrefixMatching(model: LanguageModel, seq: RepeatedSequences): Promise<number[][]> {
  const heads = model.heads;
  if (model.heads === undefined || model.layers === undefined) {
    throw new LmbError('ATTENTIONS_UNAVAILABLE', `${model.source} does not say how many layers and heads it has`,
      'Use a checkpoint directory or a llama2.c .bin, whose graphs can return attention patterns');
  }
  const T = seq.rows[0].length;
  const out = await model.forward(seq.rows, seq.rows.map(() => [0]), { positions: seq.rows.map(() => [T - 1]), attentions: true });
  if (!out.attentions) throw new LmbError('ATTENTIONS_UNAVAILABLE', `${model.source} returned no attention patterns`, 'Load it with { attentions: true }');
  return out.attentions.map((a) => prefixMatchingScores(a, heads!, seq));
}
