import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphModel } from '../../harness/model/graph-model.js';
import { expectRowsMatch, incremental } from '../support/incremental-decode.js';
import { maxAbsDiff } from '../support/max-abs-diff.js';
import { referenceGptNeox } from '../support/reference-gpt-neox.js';
import { randomTinyGptNeox, writeTinyGptNeox } from '../support/tiny-gpt-neox.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-neox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const IDS = [5, 17, 3, 88, 42, 42, 7, 1, 0, 96, 33, 12, 5, 17, 3, 88, 60, 61];

describe('GPT-NeoX graph against the float64 reference', () => {
  const cases = [
    { format: 'torch', dtype: 'F16', over: {}, shards: 0 },
    { format: 'safetensors', dtype: 'F32', over: { use_parallel_residual: false }, shards: 0 },
    { format: 'safetensors', dtype: 'F16', over: { rotary_pct: 1, hidden_act: 'gelu_new' }, shards: 0 },
    { format: 'torch', dtype: 'F32', over: { rotary_pct: 0.5, rotary_emb_base: 500 }, shards: 0 },
    { format: 'torch', dtype: 'F16', over: { rotary_pct: 1 }, shards: 3 },
    { format: 'safetensors', dtype: 'F32', over: { use_parallel_residual: false }, shards: 2 },
  ] as const;
  it.each(cases)('$format $dtype $over in $shards shards: |Δ log-prob| <= 1e-4, same top-1, same attention', async ({ format, dtype, over, shards }) => {
    const tiny = randomTinyGptNeox(9, over);
    const dir = writeTinyGptNeox(join(root, `${format}-${dtype}-${shards}-${JSON.stringify(over).replace(/\W/g, '')}`), tiny, format, dtype, shards);
    const ref = referenceGptNeox(tiny.config, tiny.weights, IDS);
    for (const attentions of [false, true]) {
      const model = await GraphModel.load(dir, { device: 'cpu', attentions });
      const out = await model.forward([IDS], [[...IDS.slice(1), 0]], { attentions });
      await model.dispose();
      expect(maxAbsDiff([...out.logprobs.slice(0, IDS.length - 1)], ref.nextLogprobs)).toBeLessThanOrEqual(1e-4);
      expect([...out.top1]).toEqual(ref.top1);
      if (attentions) {
        const l = tiny.config.num_hidden_layers - 1;
        expect(maxAbsDiff([...out.attentions![l]], ref.attention[l].flatMap((h) => h.flat()))).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('the cached decoder (a prefix, then a token per step, rows leaving) equals the reference per row', async () => {
    const tiny = randomTinyGptNeox(10);
    const model = await GraphModel.load(writeTinyGptNeox(join(root, 'cached'), tiny, 'torch', 'F16'), { device: 'cpu', cache: true });
    const got = await incremental(model);
    await model.dispose();
    expectRowsMatch(got, (r) => referenceGptNeox(tiny.config, tiny.weights, r));
  });

  it('a config whose shapes disagree with the weights names the tensor and the fields', async () => {
    const tiny = randomTinyGptNeox(11);
    const dir = writeTinyGptNeox(join(root, 'mismatch'), { ...tiny, config: { ...tiny.config, intermediate_size: 48 } }, 'safetensors', 'F32');
    await expect(GraphModel.load(dir, { device: 'cpu' })).rejects.toMatchObject({
      code: 'CONFIG_MISMATCH', message: expect.stringContaining('"gpt_neox.layers.0.mlp.dense_h_to_4h.weight" has shape [64,32] but config.json implies [48,32]'),
    });
  });
});
