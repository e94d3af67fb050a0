/**
 * The in-context-learning score of Olsson et al. (2022), "In-context Learning and Induction
 * Heads": the mean loss at a late token of a text minus the mean loss at an early one. A model
 * that uses its context well predicts the late token better, so the score goes negative.
 */
import { LmbError } from '../errors.js';
import type { LanguageModel } from '../model/language-model.js';

/** The paper's positions for a 1024-token context: the 500th and the 50th token. */
const PAPER_CONTEXT = 1024;
const PAPER_LATE = 500;
const PAPER_EARLY = 50;

/** Tokens averaged at each end, for a 1024-token context: a band of 20 rather than one token, whose loss is noisy. */
const PAPER_BAND = 20;

/** Token indices (0-based) whose losses are compared: early .. early + band - 1 against late - band + 1 .. late. */
export interface IclPositions {
  early: number;
  late: number;
  band: number;
}

/**
 * The paper's positions scaled to a context of C tokens: round(500 C / 1024) and
 * round(50 C / 1024), i.e. about 0.49 C and 0.05 C (500 and 50 for C = 1024; 63 and 6 for 128).
 */
export function iclPositions(contextLength: number): IclPositions {
  const late = Math.round((PAPER_LATE * contextLength) / PAPER_CONTEXT);
  const early = Math.max(1, Math.round((PAPER_EARLY * contextLength) / PAPER_CONTEXT));
  if (late <= early || late >= contextLength) {
    throw new LmbError('CONTEXT_TOO_SHORT', `a context of ${contextLength} tokens is too short for an in-context-learning score`,
      'Use a model with a context of at least 12 tokens');
  }
  // The bands never meet: the early one ends before the late one starts.
  const band = Math.max(1, Math.min(Math.round((PAPER_BAND * contextLength) / PAPER_CONTEXT), Math.floor((late - early) / 2)));
  return { early, late, band };
}

/**
 * `count` windows of `length` tokens cut from `tokens`, evenly spaced from its start to its end
 * and never overlapping, so every checkpoint sees the same texts.
 */
export function cutWindows(tokens: readonly number[], count: number, length: number): number[][] {
  if (tokens.length < count * length) {
    throw new LmbError('TEXT_TOO_SHORT', `${tokens.length} tokens cannot give ${count} windows of ${length}`,
      'Use a longer text or fewer windows');
  }
  const gap = count > 1 ? Math.floor((tokens.length - length) / (count - 1)) : 0;
  return Array.from({ length: count }, (_, i) => tokens.slice(i * gap, i * gap + length));
}

/**
 * cutWindows for a model that starts every sequence with BOS (llama2.c's do; its stories260K
 * scores an ICL score of +0.45 on windows cut from mid-text, out of the distribution it was
 * trained on): each window is BOS and `length - 1` tokens of text. Without a BOS id, cutWindows.
 */
export function textWindows(tokens: readonly number[], count: number, length: number, bosId: number | undefined): number[][] {
  if (bosId === undefined) return cutWindows(tokens, count, length);
  const text = tokens[0] === bosId ? tokens.slice(1) : tokens;
  return cutWindows(text, count, length - 1).map((w) => [bosId, ...w]);
}

/** mean(late) - mean(early): the losses (nats) of the late and the early token of each text. */
export function iclScore(earlyLosses: readonly number[], lateLosses: readonly number[]): number {
  if (earlyLosses.length === 0 || earlyLosses.length !== lateLosses.length) {
    throw new LmbError('ICL_LOSSES_INVALID', `need as many early as late losses (got ${earlyLosses.length} and ${lateLosses.length}), at least one`);
  }
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return mean(lateLosses) - mean(earlyLosses);
}

/**
 * Each window's ICL score (each window at least `late + 1` tokens): the mean loss over the late
 * band given the tokens before, minus the mean loss over the early band. Windows are the unit
 * of noise: the same windows on two checkpoints give paired differences.
 */
export async function measureIclWindows(model: LanguageModel, windows: readonly number[][], at: IclPositions, batchRows = 8): Promise<number[]> {
  const { band } = at;
  const targets = [...Array.from({ length: band }, (_, i) => at.early + i), ...Array.from({ length: band }, (_, i) => at.late - band + 1 + i)];
  const out: number[] = [];
  for (let i = 0; i < windows.length; i += batchRows) {
    const rows = windows.slice(i, i + batchRows).map((w) => w.slice(0, at.late + 1));
    // The output at position t predicts the token at t + 1.
    const r = await model.forward(rows, rows.map((w) => targets.map((t) => w[t])), { positions: rows.map(() => targets.map((t) => t - 1)) });
    rows.forEach((_, b) => {
      const losses = Array.from(r.logprobs.subarray(b * targets.length, (b + 1) * targets.length), (x) => -x);
      out.push(iclScore(losses.slice(0, band), losses.slice(band)));
    });
  }
  return out;
}

/** The ICL score of `model` on `windows`: the mean of measureIclWindows. */
export async function measureIclScore(model: LanguageModel, windows: readonly number[][], at: IclPositions, batchRows = 8): Promise<number> {
  const each = await measureIclWindows(model, windows, at, batchRows);
  return each.reduce((a, b) => a + b, 0) / each.length;
}

/** The standard error of a mean: sample SD / sqrt(n) (0 for fewer than two values). */
export function standardError(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length);
}
