import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphModel } from '../../harness/model/graph-model.js';
import type { LanguageModel } from '../../harness/model/language-model.js';
import { loadModel } from '../../harness/model/load.js';
import { loadLlama2cTokenizer } from '../../harness/tokenize/llama2c.js';
import { openTokenizer } from '../../harness/tokenize/open.js';
import { readLlama2c, referenceLlama, writeLlama2c } from '../support/reference-llama.js';
import { randomTinyLlama } from '../support/tiny-llama.js';
import { maxAbsDiff } from '../support/max-abs-diff.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-llama-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'llama2c-stories260K');
const STORIES = join(FIXTURE, 'stories260K.bin');
const IDS = [1, 5, 17, 3, 60, 42, 42, 7, 1, 0, 33, 12, 5, 17, 3, 59, 28];

async function forwardOne(model: LanguageModel, ids: number[], attentions = false) {
  const out = await model.forward([ids], [[...ids.slice(1), 0]], { attentions });
  return { logprobs: [...out.logprobs.slice(0, ids.length - 1)], top1: [...out.top1], attentions: out.attentions };
}

describe('Llama graph against the float64 reference', () => {
  const cases = [
    { label: 'grouped queries (4 heads, 2 kv heads), shared classifier', over: {} },
    { label: 'one kv head, separate classifier', over: { n_kv_heads: 1, shared_classifier: false } },
    { label: 'as many kv heads as heads, 3 layers', over: { n_kv_heads: 4, n_layers: 3 } },
  ];
  it.each(cases)('$label: |Δ log-prob| <= 1e-4, same top-1, same attention', async ({ over }) => {
    const tiny = randomTinyLlama(7, over);
    const path = writeLlama2c(join(root, `tiny-${tiny.config.n_kv_heads}-${tiny.config.n_layers}.bin`), tiny);
    const ref = referenceLlama(tiny, IDS);
    for (const attentions of [false, true]) {
      const model = await GraphModel.load(path, { device: 'cpu', attentions });
      const got = await forwardOne(model, IDS, attentions);
      await model.dispose();
      expect(maxAbsDiff(got.logprobs, ref.nextLogprobs)).toBeLessThanOrEqual(1e-4);
      expect(got.top1).toEqual(ref.top1);
      if (attentions) {
        expect(got.attentions).toHaveLength(tiny.config.n_layers);
        for (let l = 0; l < tiny.config.n_layers; l++) {
          const expected = ref.attention[l].flatMap((head) => head.flat());
          expect(maxAbsDiff([...got.attentions![l]], expected)).toBeLessThanOrEqual(1e-5);
        }
      }
    }
  });
});

describe('stories260K, a real model trained by llama2.c', () => {
  const SENTENCE = 'The little dog saw a big red ball in the garden. He wanted to play with it, so he ran to his friend Tom.';
  let model: LanguageModel;
  beforeAll(async () => {
    model = await loadModel(STORIES, { device: 'cpu' });
  });
  afterAll(() => model.dispose());

  it('describes itself from the .bin header', () => {
    expect(model).toMatchObject({ vocabSize: 512, contextLength: 512, layers: 5, heads: 8, tokenizerDir: FIXTURE });
  });

  it('scores a sentence as the float64 reference does (total NLL and every token)', async () => {
    const ids = loadLlama2cTokenizer(join(FIXTURE, 'tok512.bin')).encode(SENTENCE);
    const ref = referenceLlama(readLlama2c(STORIES), ids);
    const got = await forwardOne(model, ids);
    const nll = (lp: number[]) => -lp.reduce((a, b) => a + b, 0);
    expect(maxAbsDiff(got.logprobs, ref.nextLogprobs)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(nll(got.logprobs) - nll(ref.nextLogprobs))).toBeLessThanOrEqual(1e-3);
    expect(got.top1).toEqual(ref.top1);
    // A trained model, not noise: far below the log(512) = 6.2 nats per token of a uniform guess.
    expect(nll(got.logprobs) / (ids.length - 1)).toBeLessThan(2);
  });

  it("reproduces, word for word, the greedy story in llama2.c's note on this model", async () => {
    // From stories260K.md: `./run stories260K.bin -z tok512.bin -t 0.0`, 256 steps from BOS.
    const STORY = [
      'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.',
      'Lily\'s mom said, "Lily, let\'s go to the park." Lily was sad and didn\'t know what to do. She said, "I want to play with your ball, but I can\'t find it."',
      'Lily was sad and didn\'t know what to do. She said, "I\'m sorry, Lily. I didn\'t know what to do."',
      'Lily didn\'t want to help her mom, so she said, "I\'m sorry, mom. I didn\'t know what to do." Her mom said, "Don\'t worry, Lily. We can help you.',
    ].join('\n');
    expect(readFileSync(join(FIXTURE, 'stories260K.md'), 'utf8')).toContain(STORY);
    const tok = openTokenizer(model.tokenizerDir!);
    const ids = [tok.bosId!];
    while (ids.length <= 256) {
      const { top1 } = await model.forward([ids], [ids]);
      const next = top1[ids.length - 1];
      if (next === tok.bosId) break;
      ids.push(next);
    }
    expect(tok.decode(ids)).toBe(STORY);
  });
});

describe('llama2.c checkpoints through loadModel', () => {
  it('a directory holding one export (and its tokenizer) loads like the .bin itself', async () => {
    const model = await loadModel(FIXTURE, { device: 'cpu' });
    expect(model.vocabSize).toBe(512);
    expect(openTokenizer(model.tokenizerDir!).vocabSize).toBe(512);
    await model.dispose();
  });

  it('config overrides apply to the header: a wrong width names the tensor, a bad head split is refused', async () => {
    await expect(loadModel(STORIES, { configOverrides: { dim: 32, n_heads: 4 } })).rejects.toMatchObject({
      code: 'CONFIG_MISMATCH',
      message: expect.stringMatching(/tok_embeddings\.weight" has shape \[512,64\] but the config implies \[512,32\]/),
    });
    await expect(loadModel(STORIES, { configOverrides: { n_kv_heads: 3 } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/stories260K\.bin \(llama2\.c header\): field "n_kv_heads" must divide n_heads evenly/),
    });
  });

  it('a directory with two exports and no config.json asks which one', async () => {
    const dir = join(root, 'two');
    mkdirSync(dir);
    copyFileSync(STORIES, join(dir, 'a.bin'));
    writeLlama2c(join(dir, 'b.bin'), randomTinyLlama(1));
    copyFileSync(join(FIXTURE, 'tok512.bin'), join(dir, 'tok512.bin'));
    await expect(loadModel(dir)).rejects.toMatchObject({ code: 'MODEL_AMBIGUOUS', message: expect.stringContaining('a.bin, b.bin') });
  });
});
