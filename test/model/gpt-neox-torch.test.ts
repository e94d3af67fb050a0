/**
 * GPT-NeoX checkpoints saved by real PyTorch (tools/make-torch-fixture.py gpt-neox): float16 like
 * the Pythia step checkpoints, holding the buffers older Hugging Face versions saved
 * (attention.bias, attention.masked_bias, attention.rotary_emb.inv_freq), once as one
 * pytorch_model.bin and once sharded with a pytorch_model.bin.index.json. Expected log-probs are
 * torch's own float32 forward pass, written in that script.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphModel } from '../../harness/model/graph-model.js';
import { openWeights } from '../../harness/model/weights/open.js';
import { DTYPE_BYTES, numel, readTensor, type TensorEntry } from '../../harness/model/weights/tensor.js';
import { maxAbsDiff } from '../support/max-abs-diff.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'torch-tiny-gpt-neox');
const sharded = join(dir, 'sharded');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
  keys: string[];
  ids: number[];
  next_logprobs: number[];
  top1: number[];
};
const LAYERS = 2;
const MAX_POS = 32;

/** Runs `check` on every tensor in the files, by name, with the files open; no name may be in two. */
function withTensors(files: string[], check: (tensors: Map<string, TensorEntry>) => void): void {
  const opened = files.map((f) => openWeights(f));
  try {
    const all = new Map<string, TensorEntry>();
    for (const weights of opened) {
      for (const [name, t] of weights.tensors) {
        expect(all.has(name), `${name} is in two files`).toBe(false);
        all.set(name, t);
      }
    }
    check(all);
  } finally {
    for (const weights of opened) weights.close();
  }
}

/** All the tensors torch saved are there, the three old buffers of each layer among them. */
function expectBuffers(tensors: Map<string, TensorEntry>): void {
  expect([...tensors.keys()].sort()).toEqual([...expected.keys].sort());
  for (let l = 0; l < LAYERS; l++) {
    const p = `gpt_neox.layers.${l}.attention.`;
    expect(tensors.get(`${p}bias`)).toMatchObject({ dtype: 'BOOL', shape: [1, 1, MAX_POS, MAX_POS] });
    expect(tensors.get(`${p}masked_bias`)).toMatchObject({ dtype: 'F32', shape: [] });
    expect([...readTensor(tensors.get(`${p}masked_bias`)!)]).toEqual([-1e9]);
    expect(tensors.get(`${p}rotary_emb.inv_freq`)).toMatchObject({ dtype: 'F16', shape: [1] });
  }
  expect(tensors.get('gpt_neox.embed_in.weight')).toMatchObject({ dtype: 'F16', shape: [64, 32] });
  expect(tensors.get('embed_out.weight')).toMatchObject({ dtype: 'F16', shape: [64, 32] });
}

async function expectMatchesTorch(checkpoint: string) {
  const model = await GraphModel.load(checkpoint, { device: 'cpu' });
  try {
    const ids = expected.ids;
    const out = await model.forward([ids], [[...ids.slice(1), 0]]);
    expect(maxAbsDiff([...out.logprobs.slice(0, ids.length - 1)], expected.next_logprobs)).toBeLessThanOrEqual(1e-4);
    expect([...out.top1]).toEqual(expected.top1);
  } finally {
    await model.dispose();
  }
}

describe('GPT-NeoX checkpoint saved by PyTorch', () => {
  it('pytorch_model.bin holds the old buffers (attention.bias, masked_bias, rotary_emb.inv_freq)', () => {
    withTensors([join(dir, 'pytorch_model.bin')], expectBuffers);
  });

  it('pytorch_model.bin loads, ignores the buffers and matches torch: |Δ log-prob| <= 1e-4, same top-1', async () => {
    await expectMatchesTorch(dir);
  });

  it('the shards hold the same tensors as pytorch_model.bin, buffers included, where the index says', () => {
    const index = JSON.parse(readFileSync(join(sharded, 'pytorch_model.bin.index.json'), 'utf8')) as {
      metadata: { total_size: number };
      weight_map: Record<string, string>;
    };
    const files = ['pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin'];
    expect(new Set(Object.values(index.weight_map))).toEqual(new Set(files));
    withTensors(files.map((f) => join(sharded, f)), (shards) => {
      expectBuffers(shards);
      expect(Object.fromEntries([...shards].map(([n, t]) => [n, basename(t.file)]))).toEqual(index.weight_map);
      expect([...shards.values()].reduce((sum, t) => sum + numel(t.shape) * DTYPE_BYTES[t.dtype], 0)).toBe(index.metadata.total_size);
      withTensors([join(dir, 'pytorch_model.bin')], (single) => {
        for (const [n, t] of shards) {
          if (t.dtype !== 'BOOL') expect(readTensor(t), n).toEqual(readTensor(single.get(n)!));
        }
      });
    });
  });

  it('the sharded checkpoint (pytorch_model.bin.index.json) loads and matches torch the same', async () => {
    await expectMatchesTorch(sharded);
  });
});
