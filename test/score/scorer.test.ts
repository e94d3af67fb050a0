import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphModel } from '../../harness/model/graph-model.js';
import { Scorer } from '../../harness/score/scorer.js';
import { prng, randomTinyGpt2, writeTinyGpt2 } from '../support/tiny-gpt2.js';
import { referenceGpt2 } from '../support/reference-gpt2.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-scorer-'));
const tiny = randomTinyGpt2(21);
let model: GraphModel;
beforeAll(async () => {
  model = await GraphModel.load(writeTinyGpt2(join(root, 'm'), tiny, 'torch', 'F16'), { device: 'cpu' });
});
afterAll(async () => {
  await model.dispose();
  rmSync(root, { recursive: true, force: true });
});

const rand = prng(99);
const randomIds = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * tiny.config.vocab_size));

describe('Scorer', () => {
  it('gives the same scores whatever the batch size, in input order', async () => {
    const seqs = [5, 31, 1, 12, 32, 9, 2, 17, 32, 0].map(randomIds);
    const one = await new Scorer(model, { batchRows: 1 }).score(seqs);
    const many = await new Scorer(model, { batchRows: 64 }).score(seqs);
    const tight = await new Scorer(model, { batchTokens: 40 }).score(seqs);
    for (let i = 0; i < seqs.length; i++) {
      expect(one[i].ids).toEqual(seqs[i]);
      expect(many[i].top1).toEqual(one[i].top1);
      expect(tight[i].top1).toEqual(one[i].top1);
      for (let t = 1; t < seqs[i].length; t++) {
        expect(Math.abs(many[i].logprobs[t] - one[i].logprobs[t])).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(tight[i].logprobs[t] - one[i].logprobs[t])).toBeLessThanOrEqual(1e-6);
      }
      if (seqs[i].length) expect(one[i].logprobs[0]).toBeNaN();
    }
    // Each score is the reference's for that sequence alone.
    const ref = referenceGpt2(tiny.config, tiny.weights, seqs[1]);
    for (let t = 1; t < seqs[1].length; t++) expect(Math.abs(one[1].logprobs[t] - ref.nextLogprobs[t - 1])).toBeLessThanOrEqual(1e-4);
  });

  it('scores a text longer than the context in windows; stride 1 gives every token the full context', async () => {
    const C = tiny.config.n_positions;
    const ids = randomIds(C + 9);
    const [s] = await new Scorer(model, { stride: 1 }).score([ids]);
    for (let t = 1; t < ids.length; t++) {
      const start = Math.max(0, t - C + 1);
      const window = ids.slice(start, t + 1);
      const ref = referenceGpt2(tiny.config, tiny.weights, window);
      expect(Math.abs(s.logprobs[t] - ref.nextLogprobs[window.length - 2])).toBeLessThanOrEqual(1e-4);
      expect(s.top1[t]).toBe(ref.top1[window.length - 2]);
    }
    // The default stride scores every token too, each with at least half the context.
    const [half] = await new Scorer(model).score([ids]);
    expect([...half.logprobs.slice(1)].every(Number.isFinite)).toBe(true);
  });

  it('scoring from a position gives the same numbers there and leaves earlier positions empty', async () => {
    const seqs = [12, 40, 5].map(randomIds);
    const from = [9, 35, 4];
    const full = await new Scorer(model).score(seqs);
    const part = await new Scorer(model, { batchRows: 2 }).score(seqs, { from });
    seqs.forEach((s, i) => {
      for (let t = 0; t < s.length; t++) {
        if (t < from[i]) expect([part[i].logprobs[t], part[i].top1[t]]).toEqual([NaN, -1]);
        else {
          expect(Math.abs(part[i].logprobs[t] - full[i].logprobs[t])).toBeLessThanOrEqual(1e-6);
          expect(part[i].top1[t]).toBe(full[i].top1[t]);
        }
      }
    });
  });

  it('nextTokens gives the argmax after each sequence, the head run at one position per row', async () => {
    const C = tiny.config.n_positions;
    const seqs = [1, 7, 20, C, C + 5].map(randomIds);
    const next = await new Scorer(model, { batchRows: 3 }).nextTokens(seqs);
    seqs.forEach((s, i) => {
      const ref = referenceGpt2(tiny.config, tiny.weights, s.slice(Math.max(0, s.length - C)));
      expect(next[i]).toBe(ref.top1.at(-1));
    });
    await expect(new Scorer(model).nextTokens([[]])).rejects.toMatchObject({ code: 'CONTEXT_EMPTY' });
  });

  it('refuses token ids outside the vocabulary, naming the position', async () => {
    await expect(new Scorer(model).score([[1, 2, 97]])).rejects.toMatchObject({
      code: 'TOKEN_OUT_OF_RANGE',
      message: expect.stringContaining('token id 97 at position 2 of sequence 0'),
    });
  });
});
