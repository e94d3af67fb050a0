import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Scorer } from '../../harness/score/scorer.js';
import { GraphModel } from '../../harness/model/graph-model.js';
import { openCheckpoint } from '../../harness/model/checkpoint.js';
import { openWeights } from '../../harness/model/weights/open.js';
import { PROVIDER_KERNELS } from '../../harness/model/runtime/session.js';
import { f32ToBf16Bits } from '../../harness/model/weights/convert.js';
import { referenceGpt2 } from '../support/reference-gpt2.js';
import { randomTinyGpt2, writeTinyGpt2 } from '../support/tiny-gpt2.js';
import { maxAbsDiff } from '../support/max-abs-diff.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-gpt2-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const IDS = [5, 17, 3, 88, 42, 42, 7, 1, 0, 96, 33, 12, 5, 17, 3, 88, 60, 61];

async function forwardOne(model: GraphModel, ids: number[], attentions = false) {
  const out = await model.forward([ids], [[...ids.slice(1), 0]], { attentions });
  return { logprobs: [...out.logprobs.slice(0, ids.length - 1)], top1: [...out.top1], attentions: out.attentions };
}

describe('GPT-2 graph against the float64 reference', () => {
  const cases = [
    { format: 'torch', dtype: 'F16', flag: true },
    { format: 'torch', dtype: 'F32', flag: false },
    { format: 'safetensors', dtype: 'F32', flag: true },
    { format: 'safetensors', dtype: 'F16', flag: false },
  ] as const;
  it.each(cases)('$format $dtype, scale_attn_by_inverse_layer_idx=$flag: |Δ log-prob| <= 1e-4', async ({ format, dtype, flag }) => {
    const tiny = randomTinyGpt2(7, { scale_attn_by_inverse_layer_idx: flag });
    const dir = writeTinyGpt2(join(root, `${format}-${dtype}-${flag}`), tiny, format, dtype);
    const ref = referenceGpt2(tiny.config, tiny.weights, IDS);
    for (const attentions of [false, true]) {
      const model = await GraphModel.load(dir, { device: 'cpu', attentions });
      const got = await forwardOne(model, IDS, attentions);
      await model.dispose();
      expect(maxAbsDiff(got.logprobs, ref.nextLogprobs)).toBeLessThanOrEqual(1e-4);
      expect(got.top1).toEqual(ref.top1);
      if (attentions) {
        const T = IDS.length;
        const l = tiny.config.n_layer - 1;
        const flat = got.attentions![l];
        const expected = ref.attention[l].flatMap((head) => head.flat());
        expect(maxAbsDiff([...flat.slice(0, tiny.config.n_head * T * T)], expected)).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('the inverse-layer-index flag changes the answer, and a config override forces it', async () => {
    const tiny = randomTinyGpt2(11, { scale_attn_by_inverse_layer_idx: true });
    const dir = writeTinyGpt2(join(root, 'flag'), tiny, 'torch', 'F32');
    const withFlag = referenceGpt2(tiny.config, tiny.weights, IDS).nextLogprobs;
    const without = referenceGpt2({ ...tiny.config, scale_attn_by_inverse_layer_idx: false }, tiny.weights, IDS).nextLogprobs;
    expect(maxAbsDiff(withFlag, without)).toBeGreaterThan(0.05);

    // A revision whose config lost the flag: wrong numbers unless the suite forces it back on.
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    delete config.scale_attn_by_inverse_layer_idx;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const lost = await GraphModel.load(dir, { device: 'cpu' });
    expect(maxAbsDiff((await forwardOne(lost, IDS)).logprobs, without)).toBeLessThanOrEqual(1e-4);
    await lost.dispose();
    const forced = await GraphModel.load(dir, { device: 'cpu', configOverrides: { scale_attn_by_inverse_layer_idx: true } });
    expect(maxAbsDiff((await forwardOne(forced, IDS)).logprobs, withFlag)).toBeLessThanOrEqual(1e-4);
    await forced.dispose();
  });

  it('relu and erf-gelu activations follow the reference too', async () => {
    for (const activation_function of ['relu', 'gelu'] as const) {
      const tiny = randomTinyGpt2(3, { activation_function });
      const dir = writeTinyGpt2(join(root, activation_function), tiny, 'safetensors', 'F32');
      const model = await GraphModel.load(dir, { device: 'cpu' });
      const got = await forwardOne(model, IDS);
      await model.dispose();
      expect(maxAbsDiff(got.logprobs, referenceGpt2(tiny.config, tiny.weights, IDS).nextLogprobs)).toBeLessThanOrEqual(1e-4);
    }
  });
});

/** The graph GraphModel builds for `dir`, to see whether it maps the checkpoint. */
function built(dir: string) {
  const { architecture, config, weightsPath } = openCheckpoint(dir);
  const weights = openWeights(weightsPath);
  try {
    return architecture.buildGraph(config, weights, { attentions: false, cache: false, kernels: PROVIDER_KERNELS.cpu });
  } finally {
    weights.close();
  }
}

const toBf16 = (values: Float32Array) => values.map((v) => new Float32Array(new Uint32Array([f32ToBf16Bits(v) << 16]).buffer)[0]);

describe('weights read where they lie in the checkpoint', () => {
  it('fp16, bf16 and fp32 checkpoints map their own file; nothing is written for them', async () => {
    const tiny = randomTinyGpt2(11);
    const bf16 = { config: tiny.config, weights: new Map([...tiny.weights].map(([n, v]) => [n, toBf16(v as Float32Array)])) };
    for (const [name, model, format, dtype] of [['f16', tiny, 'torch', 'F16'], ['bf16', bf16, 'safetensors', 'BF16'], ['f32', tiny, 'safetensors', 'F32']] as const) {
      const dir = writeTinyGpt2(join(root, `mapped-${name}`), model, format, dtype);
      const graph = built(dir);
      expect(graph.mappedFiles).toEqual([realpathSync(join(dir, format === 'torch' ? 'pytorch_model.bin' : 'model.safetensors'))]);
      expect(graph.weightBytes).toBe(0);
      const tmp = mkdtempSync(join(root, 'tmp-'));
      process.env.LMB_TMPDIR = tmp;
      try {
        const loaded = await GraphModel.load(dir, { device: 'cpu' });
        const got = await forwardOne(loaded, IDS);
        await loaded.dispose();
        expect(readdirSync(tmp)).toEqual([]);
        expect(maxAbsDiff(got.logprobs, referenceGpt2(model.config, model.weights, IDS).nextLogprobs)).toBeLessThanOrEqual(1e-4);
      } finally {
        delete process.env.LMB_TMPDIR;
      }
    }
  });

  it('a checkpoint with a strided view is converted and written instead, with the same numbers', async () => {
    const tiny = randomTinyGpt2(12);
    const dir = writeTinyGpt2(join(root, 'strided'), tiny, 'torch', 'F16', { transposed: ['transformer.h.1.mlp.c_fc.weight'] });
    const graph = built(dir);
    expect(graph.mappedFiles).toBeUndefined();
    expect(graph.weightBytes).toBeGreaterThan(0);
    const model = await GraphModel.load(dir, { device: 'cpu' });
    const got = await forwardOne(model, IDS);
    await model.dispose();
    expect(maxAbsDiff(got.logprobs, referenceGpt2(tiny.config, tiny.weights, IDS).nextLogprobs)).toBeLessThanOrEqual(1e-4);
  });

  it('a checkpoint reached through a link (as in the hub cache) maps the file the link points at', async () => {
    const tiny = randomTinyGpt2(13);
    const real = writeTinyGpt2(join(root, 'blob'), tiny, 'torch', 'F16');
    const dir = join(root, 'snapshot');
    mkdirSync(dir);
    symlinkSync(join(real, 'pytorch_model.bin'), join(dir, 'pytorch_model.bin'));
    copyFileSync(join(real, 'config.json'), join(dir, 'config.json'));
    expect(built(dir).mappedFiles).toEqual([realpathSync(join(real, 'pytorch_model.bin'))]);
    const model = await GraphModel.load(dir, { device: 'cpu' });
    const got = await forwardOne(model, IDS);
    await model.dispose();
    expect(maxAbsDiff(got.logprobs, referenceGpt2(tiny.config, tiny.weights, IDS).nextLogprobs)).toBeLessThanOrEqual(1e-4);
  });
});

describe('a checkpoint saved by real PyTorch', () => {
  it('scores as PyTorch\'s own float32 forward pass does (tools/torch-score.py)', async () => {
    const dir = join(import.meta.dirname, '..', 'fixtures', 'torch-tiny-gpt2');
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
    const model = await GraphModel.load(dir, { device: 'cpu' });
    const got = await forwardOne(model, expected.ids);
    await model.dispose();
    expect(maxAbsDiff(got.logprobs, expected.next_logprobs)).toBeLessThanOrEqual(1e-4);
    expect(got.top1).toEqual(expected.top1);
  });
});

describe('checkpoint errors', () => {
  it('a config whose shapes disagree with the weights names the tensor', async () => {
    const tiny = randomTinyGpt2(5);
    const dir = writeTinyGpt2(join(root, 'mismatch'), tiny, 'torch', 'F16');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...tiny.config, n_embd: 30 }));
    await expect(GraphModel.load(dir)).rejects.toMatchObject({
      code: 'CONFIG_MISMATCH',
      message: expect.stringMatching(/wte\.weight" has shape \[97,24\] but config\.json implies \[97,30\]/),
    });
  });

  it('a config with fewer heads than the embedding divides into is refused', async () => {
    const tiny = randomTinyGpt2(5);
    const dir = writeTinyGpt2(join(root, 'heads'), tiny, 'torch', 'F16');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...tiny.config, n_head: 5 }));
    await expect(GraphModel.load(dir)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('missing directory, missing config and missing weights each say what is missing', async () => {
    await expect(GraphModel.load(join(root, 'nope'))).rejects.toMatchObject({ code: 'FILE_MISSING', message: expect.stringContaining('does not exist') });
    const dir = join(root, 'empty');
    writeTinyGpt2(dir, randomTinyGpt2(1), 'safetensors', 'F32');
    rmSync(join(dir, 'model.safetensors'));
    await expect(GraphModel.load(dir)).rejects.toMatchObject({ code: 'FILE_MISSING', message: expect.stringContaining('has no model.safetensors or pytorch_model.bin') });
    rmSync(join(dir, 'config.json'));
    await expect(GraphModel.load(dir)).rejects.toMatchObject({ code: 'FILE_MISSING', message: expect.stringContaining('has no config.json') });
  });

  it('an unknown model_type lists the supported ones', async () => {
    const dir = writeTinyGpt2(join(root, 'bert'), randomTinyGpt2(1), 'safetensors', 'F32');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    await expect(GraphModel.load(dir)).rejects.toMatchObject({ code: 'ARCHITECTURE_UNKNOWN', message: expect.stringContaining('"bert"') });
  });

  it('a NaN weight is named when scores come out NaN, instead of printing NaN log-probs', async () => {
    for (const format of ['safetensors', 'torch'] as const) {
      const tiny = randomTinyGpt2(8);
      (tiny.weights.get('transformer.ln_f.weight') as Float32Array)[3] = NaN;
      const dir = writeTinyGpt2(join(root, `nan-${format}`), tiny, format, 'F32');
      const model = await GraphModel.load(dir, { device: 'cpu' });
      try {
        await expect(new Scorer(model).score([[1, 2, 3, 4]])).rejects.toMatchObject({
          code: 'WEIGHTS_NOT_FINITE',
          message: expect.stringMatching(/tensor "transformer\.ln_f\.weight" holds NaN at element 3, so every score is NaN$/),
        });
      } finally {
        await model.dispose();
      }
    }
  });

  it('a truncated weight file is reported as corrupt, not as a crash', async () => {
    const dir = writeTinyGpt2(join(root, 'trunc'), randomTinyGpt2(1), 'torch', 'F16');
    const bin = readFileSync(join(dir, 'pytorch_model.bin'));
    writeFileSync(join(dir, 'pytorch_model.bin'), bin.subarray(0, Math.floor(bin.length * 0.6)));
    await expect(GraphModel.load(dir)).rejects.toMatchObject({ code: 'CHECKPOINT_CORRUPT' });
  });
});
