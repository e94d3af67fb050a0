import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphModel } from '../../harness/model/graph-model.js';
import { gatherRows, realLength, type KvCache } from '../../harness/model/kv-cache.js';
import { incremental, ROWS } from '../support/incremental-decode.js';
import { referenceGpt2 } from '../support/reference-gpt2.js';
import { referenceLlama, writeLlama2c } from '../support/reference-llama.js';
import { randomTinyGpt2, writeTinyGpt2 } from '../support/tiny-gpt2.js';
import { randomTinyLlama } from '../support/tiny-llama.js';
import { maxAbsDiff } from '../support/max-abs-diff.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-kv-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('key/value cache: prefix once, then a token per step', () => {
  const gpt2Cases = [
    { format: 'torch', dtype: 'F16', attentions: false },
    { format: 'safetensors', dtype: 'F32', attentions: false },
    { format: 'torch', dtype: 'F32', attentions: true },
  ] as const;
  it.each(gpt2Cases)('GPT-2 $format $dtype (attention outputs: $attentions) equals the float64 reference per row', async ({ format, dtype, attentions }) => {
    const tiny = randomTinyGpt2(3, { scale_attn_by_inverse_layer_idx: true });
    const model = await GraphModel.load(writeTinyGpt2(join(root, `gpt2-${format}-${dtype}`), tiny, format, dtype), { device: 'cpu', cache: true, attentions });
    const got = await incremental(model);
    await model.dispose();
    ROWS.forEach((r, b) => {
      const ref = referenceGpt2(tiny.config, tiny.weights, r);
      expect(maxAbsDiff(got.logprobs[b].slice(0, r.length - 1), ref.nextLogprobs)).toBeLessThanOrEqual(1e-4);
      expect(got.top1[b]).toEqual(ref.top1.slice(0, r.length - 1));
    });
  });

  it.each([{ n_kv_heads: 2 }, { n_kv_heads: 1, shared_classifier: false }])('llama2.c %o equals the float64 reference per row', async (over) => {
    const tiny = randomTinyLlama(5, over);
    const model = await GraphModel.load(writeLlama2c(join(root, `llama-${tiny.config.n_kv_heads}.bin`), tiny), { device: 'cpu', cache: true });
    const got = await incremental(model);
    await model.dispose();
    ROWS.forEach((r, b) => {
      const ref = referenceLlama(tiny, r);
      expect(maxAbsDiff(got.logprobs[b].slice(0, r.length - 1), ref.nextLogprobs)).toBeLessThanOrEqual(1e-4);
      expect(got.top1[b]).toEqual(ref.top1.slice(0, r.length - 1));
    });
  });

  it('a cached graph scores a whole batch through forward() as the plain graph does', async () => {
    const tiny = randomTinyGpt2(4);
    const dir = writeTinyGpt2(join(root, 'plain'), tiny, 'torch', 'F32');
    const ids = [ROWS[0], [...ROWS[1], 0, 0, 0, 0, 0]];
    const targets = ids.map((r) => [...r.slice(1), 0]);
    const results = [];
    for (const cache of [false, true]) {
      const model = await GraphModel.load(dir, { device: 'cpu', cache });
      expect(typeof model.forwardCached).toBe(cache ? 'function' : 'undefined');
      results.push(await model.forward(ids, targets));
      await model.dispose();
    }
    expect(maxAbsDiff([...results[1].logprobs], [...results[0].logprobs])).toBeLessThanOrEqual(1e-5);
    expect([...results[1].top1]).toEqual([...results[0].top1]);
  });

  it('gatherRows copies rows from several caches, pads to the longest and keeps the masks', () => {
    const cache = (rows: number, length: number, base: number): KvCache => ({
      rows, length, kvHeads: 1, headDim: 2,
      layers: [Float32Array.from({ length: 2 * rows * length * 2 }, (_, i) => base + i)],
      mask: new Uint8Array(rows * length).fill(1),
    });
    const a = cache(2, 3, 0);
    const b = cache(1, 1, 100);
    expect(gatherRows([{ cache: a, row: 0 }, { cache: a, row: 1 }])).toBe(a);
    const g = gatherRows([{ cache: a, row: 1 }, { cache: b, row: 0 }]);
    expect([g.rows, g.length]).toEqual([2, 3]);
    // keys: a's row 1, then b's row 0 padded; values likewise.
    expect([...g.layers[0]]).toEqual([6, 7, 8, 9, 10, 11, 100, 101, 0, 0, 0, 0, 18, 19, 20, 21, 22, 23, 102, 103, 0, 0, 0, 0]);
    expect([...g.mask]).toEqual([1, 1, 1, 1, 0, 0]);
    expect([realLength(g, 0), realLength(g, 1)]).toEqual([3, 1]);
  });
});
