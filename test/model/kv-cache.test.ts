import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphModel } from '../../harness/model/graph-model.js';
import { appendTokens, gatherRows, keepRows, realLength, type KvCache } from '../../harness/model/kv-cache.js';
import { expectRowsMatch, incremental, ROWS } from '../support/incremental-decode.js';
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
    expectRowsMatch(got, (r) => referenceGpt2(tiny.config, tiny.weights, r));
  });

  it.each([{ n_kv_heads: 2 }, { n_kv_heads: 1, shared_classifier: false }])('llama2.c %o equals the float64 reference per row', async (over) => {
    const tiny = randomTinyLlama(5, over);
    const model = await GraphModel.load(writeLlama2c(join(root, `llama-${tiny.config.n_kv_heads}.bin`), tiny), { device: 'cpu', cache: true });
    const got = await incremental(model);
    await model.dispose();
    expectRowsMatch(got, (r) => referenceLlama(tiny, r));
  });

  it('a cached graph scores a whole batch through forward() as the plain graph does, attentions included', async () => {
    const tiny = randomTinyGpt2(4);
    const dir = writeTinyGpt2(join(root, 'plain'), tiny, 'torch', 'F32');
    const ids = [ROWS[0], [...ROWS[1], 0, 0, 0, 0, 0]];
    const targets = ids.map((r) => [...r.slice(1), 0]);
    const results = [];
    for (const cache of [false, true]) {
      const model = await GraphModel.load(dir, { device: 'cpu', cache, attentions: true });
      expect(typeof model.forwardCached).toBe(cache ? 'function' : 'undefined');
      results.push(await model.forward(ids, targets, { attentions: true }));
      await model.dispose();
    }
    expect(maxAbsDiff([...results[1].logprobs], [...results[0].logprobs])).toBeLessThanOrEqual(1e-5);
    expect([...results[1].top1]).toEqual([...results[0].top1]);
    const [plain, cached] = results.map((r) => r.attentions!);
    expect(cached.map((a) => a.length)).toEqual(plain.map((a) => a.length));
    expect(maxAbsDiff(cached.flatMap((a) => [...a]), plain.flatMap((a) => [...a]))).toBeLessThanOrEqual(1e-6);
  });

  // Caches of one layer, one head and headDim 1, so each slot's key is one number.
  const cache = (rows: number, capacity: number, length: number, base: number): KvCache => ({
    rows, capacity, length, kvHeads: 1, headDim: 1,
    keys: [Float32Array.from({ length: rows * capacity }, (_, i) => (i % capacity < length ? base + i : 0))],
    values: [Float32Array.from({ length: rows * capacity }, (_, i) => (i % capacity < length ? -(base + i) : 0))],
    mask: Uint8Array.from({ length: rows * capacity }, (_, i) => (i % capacity < length ? 1 : 0)),
  });

  it('gatherRows copies rows from several caches, pads to the longest, keeps the masks and adds free slots', () => {
    const a = cache(2, 3, 3, 0);
    const b = cache(1, 2, 1, 100);
    expect(gatherRows([{ cache: a, row: 0 }, { cache: a, row: 1 }])).toBe(a);
    const g = gatherRows([{ cache: a, row: 1 }, { cache: b, row: 0 }], 1);
    expect([g.rows, g.length, g.capacity]).toEqual([2, 3, 4]);
    expect([...g.keys[0]]).toEqual([3, 4, 5, 0, 100, 0, 0, 0]);
    expect([...g.values[0]]).toEqual([-3, -4, -5, 0, -100, 0, 0, 0]);
    expect([...g.mask]).toEqual([1, 1, 1, 0, 1, 0, 0, 0]);
    expect([realLength(g, 0), realLength(g, 1)]).toEqual([3, 1]);
  });

  it('appendTokens writes into free slots in place, grows a full cache into new buffers, and masks padding', () => {
    const roomy = cache(2, 4, 2, 0);
    const before = roomy.keys[0];
    const add = { tokens: 1, lengths: [1, 0], keys: [Float32Array.of(7, 8)], values: [Float32Array.of(-7, -8)] };
    const grown = appendTokens(roomy, add);
    expect(grown.keys[0]).toBe(before);
    expect([grown.length, grown.capacity, roomy.length]).toEqual([3, 4, 2]);
    expect([...grown.keys[0]]).toEqual([0, 1, 7, 0, 4, 5, 8, 0]);
    expect([...grown.mask]).toEqual([1, 1, 1, 0, 1, 1, 0, 0]);
    const full = appendTokens(grown, { ...add, tokens: 2, keys: [Float32Array.of(1, 2, 3, 4)], values: [Float32Array.of(0, 0, 0, 0)], lengths: [2, 1] }, 1);
    expect(full.keys[0]).not.toBe(before);
    expect([full.length, full.capacity]).toEqual([5, 6]);
    expect([...full.keys[0]]).toEqual([0, 1, 7, 1, 2, 0, 4, 5, 8, 3, 4, 0]);
    expect([...full.mask]).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0]);
    expect([realLength(full, 0), realLength(full, 1)]).toEqual([5, 3]);
  });

  it('keepRows moves the rows that stay down, in place', () => {
    const c = cache(3, 2, 2, 0);
    const kept = keepRows(c, [1, 2]);
    expect([kept.rows, kept.keys[0].buffer === c.keys[0].buffer]).toEqual([2, true]);
    expect([...kept.keys[0]]).toEqual([2, 3, 4, 5]);
    expect([...kept.values[0]]).toEqual([-2, -3, -4, -5]);
    expect([...kept.mask]).toEqual([1, 1, 1, 1]);
  });
});
