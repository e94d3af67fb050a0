import { describe, expect, it } from 'vitest';
import { cutWindows, iclPositions, iclScore, measureIclScore, textWindows } from '../../harness/analysis/icl-score.js';
import { allPositions, type ForwardOptions, type ForwardResult, type LanguageModel } from '../../harness/model/language-model.js';

/**
 * A model that copies: if the current token occurred before, it predicts the token that followed
 * its last occurrence with probability `p`; otherwise every token is equally likely.
 */
function copyingModel(vocabSize: number, p: number): LanguageModel {
  return {
    source: 'copying', vocabSize, contextLength: 128, device: 'cpu',
    async forward(ids: number[][], targets: number[][], opts: ForwardOptions = {}): Promise<ForwardResult> {
      const positions = opts.positions ?? allPositions(ids.length, ids[0].length);
      const K = positions[0].length;
      const logprobs = new Float32Array(ids.length * K);
      positions.forEach((row, b) => row.forEach((t, k) => {
        const seen = ids[b].lastIndexOf(ids[b][t], t - 1);
        const guess = seen >= 0 ? ids[b][seen + 1] : -1;
        logprobs[b * K + k] = Math.log(guess < 0 ? 1 / vocabSize : targets[b][k] === guess ? p : (1 - p) / (vocabSize - 1));
      }));
      return { logprobs, top1: new Int32Array(ids.length * K) };
    },
    async dispose() {},
  };
}

describe('ICL score', () => {
  it('positions scale the paper\'s 500 and 50 to the context', () => {
    expect(iclPositions(1024)).toEqual({ early: 50, late: 500, band: 20 });
    expect(iclPositions(128)).toEqual({ early: 6, late: 63, band: 3 });
    expect(iclPositions(512)).toEqual({ early: 25, late: 250, band: 10 });
    // Short contexts keep the bands apart.
    expect(iclPositions(24)).toEqual({ early: 1, late: 12, band: 1 });
  });

  it('is mean late loss minus mean early loss', () => {
    expect(iclScore([3, 5], [1, 2])).toBeCloseTo(1.5 - 4, 12);
  });

  it('windows are evenly spaced, do not overlap, and a short text is refused', () => {
    const tokens = Array.from({ length: 100 }, (_, i) => i);
    expect(cutWindows(tokens, 3, 10)).toEqual([tokens.slice(0, 10), tokens.slice(45, 55), tokens.slice(90, 100)]);
    expect(() => cutWindows(tokens, 11, 10)).toThrow(/100 tokens cannot give 11 windows of 10/);
  });

  it('for a model whose sequences start with BOS, each window is BOS and text, never BOS twice', () => {
    const tokens = [1, ...Array.from({ length: 100 }, (_, i) => i + 10)];
    const windows = textWindows(tokens, 3, 10, 1);
    expect(windows).toEqual([[1, ...tokens.slice(1, 10)], [1, ...tokens.slice(46, 55)], [1, ...tokens.slice(91, 100)]]);
    expect(textWindows(tokens, 3, 10, undefined)).toEqual(cutWindows(tokens, 3, 10));
  });

  it('a model that copies perfectly, on texts that repeat after the early token, scores -log(V)', async () => {
    const V = 50;
    const at = iclPositions(128);
    // Period 20: token 6 is new (loss log V); token 63 repeats token 43, whose successor is known (loss 0).
    const windows = Array.from({ length: 10 }, (_, w) => Array.from({ length: at.late + 1 }, (_, t) => (t % 20) + w));
    expect(await measureIclScore(copyingModel(V, 1), windows, at, 3)).toBeCloseTo(-Math.log(V), 5);
    // Copying with probability p: late loss -log p.
    expect(await measureIclScore(copyingModel(V, 0.5), windows, at)).toBeCloseTo(Math.log(2) - Math.log(V), 5);
  });
});
