import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../harness/model/onnx/graph.js';
import { OnnxFileModel } from '../../harness/model/onnx-file-model.js';
import { saveModel } from '../../harness/model/onnx/save.js';
import { Scorer } from '../../harness/score/scorer.js';
import { prng } from '../support/tiny-gpt2.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const V = 11;
const table = Array.from({ length: V * V }, (_, i) => Math.sin(i * 1.7) * 3);

/**
 * A bigram model exported the way Optimum exports causal LMs: logits[t] = table[ids[t]],
 * with attention_mask, position_ids and empty past key/values inputs. Its answers are known.
 */
function writeBigramOnnx(dir: string): string {
  const g = new GraphBuilder();
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  g.input('attention_mask', 'int64', ['batch', 'seq']);
  g.input('position_ids', 'int64', ['batch', 'seq']);
  const pastKey = g.input('past_key_values.0.key', 'float32', ['batch', 2, 'past', 4]);
  g.input('past_key_values.0.value', 'float32', ['batch', 2, 'past', 4]);
  const zero = g.op('ReduceSum', [pastKey, g.int64s([0, 1, 2, 3])], { keepdims: 0 });
  const logits = g.op('Add', [g.op('Gather', [g.weight('table', [V, V], (d) => d.set(table)), ids]), zero]);
  g.alias(logits, 'logits');
  g.output('logits', 'float32', ['batch', 'seq', V]);
  return saveModel(g.build(), dir);
}

function bigramLogprob(prev: number, next: number): number {
  const row = table.slice(prev * V, prev * V + V);
  const m = Math.max(...row);
  return row[next] - m - Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
}

describe('models exported to ONNX by other tools', () => {
  it('an Optimum-style export (past_key_values.N.key/value, int64) gives the known log-probs', async () => {
    const model = await OnnxFileModel.load(writeBigramOnnx(join(root, 'bigram')), { device: 'cpu' });
    expect(model.vocabSize).toBe(V);
    const seqs = [[1, 5, 10, 0, 3], [7, 7], [2, 9, 4]];
    const scores = await new Scorer(model).score(seqs);
    await model.dispose();
    seqs.forEach((s, i) => {
      for (let t = 1; t < s.length; t++) {
        expect(scores[i].logprobs[t]).toBeCloseTo(bigramLogprob(s[t - 1], s[t]), 5);
        const row = table.slice(s[t - 1] * V, s[t - 1] * V + V);
        expect(scores[i].top1[t]).toBe(row.indexOf(Math.max(...row)));
      }
    });
  });

  it('an onnxruntime-genai export (int32 inputs, past_N) loads with its genai_config and scores causally', async () => {
    const path = join(import.meta.dirname, '..', 'fixtures', 'onnx-tiny-random-gpt2', 'past.onnx');
    const model = await OnnxFileModel.load(path, { device: 'cpu' });
    expect([model.vocabSize, model.contextLength]).toEqual([1000, 512]);
    const rand = prng(3);
    const seq = Array.from({ length: 40 }, () => Math.floor(rand() * 1000));
    const [whole] = await new Scorer(model).score([seq]);
    const [prefix, other] = await new Scorer(model, { batchRows: 2 }).score([seq.slice(0, 20), seq.slice(5)]);
    await model.dispose();
    for (let t = 1; t < 20; t++) {
      expect(whole.logprobs[t]).toBeLessThan(0);
      expect(Math.abs(prefix.logprobs[t] - whole.logprobs[t])).toBeLessThanOrEqual(1e-5);
    }
    expect(other.logprobs.length).toBe(35);
    // Random weights: near-uniform over 1000 tokens.
    expect(Math.abs(whole.logprobs[10] + Math.log(1000))).toBeLessThan(1);
  });

  it('an ONNX model without logits is refused with the inputs and outputs it has', async () => {
    const g = new GraphBuilder();
    g.alias(g.input('x', 'float32', [1]), 'y');
    g.output('y', 'float32', [1]);
    const path = join(root, 'identity.onnx');
    writeFileSync(path, g.build().onnx);
    await expect(OnnxFileModel.load(path, { device: 'cpu' })).rejects.toMatchObject({
      code: 'ONNX_UNSUPPORTED',
      message: expect.stringContaining('has inputs [x] and outputs [y]; expected input_ids and logits'),
    });
  });

  it('a config.json beside the model with a field that is not a count, or a vocabulary other than the logits, is refused in one line', async () => {
    const onnx = join(import.meta.dirname, '..', 'fixtures', 'onnx-tiny-random-gpt2', 'past.onnx');
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ vocab_size: 1000, n_positions: 0 }, 'CONFIG_INVALID', /field "n_positions" is 0, not a positive integer/],
      [{ vocab_size: '1000' }, 'CONFIG_INVALID', /field "vocab_size" is "1000", not a positive integer/],
      [{ vocab_size: 2 ** 40 }, 'CONFIG_INVALID', /field "vocab_size" is 1099511627776/],
      [{ vocab_size: 999 }, 'CONFIG_MISMATCH', /vocab_size 999 but .* logits are 1000 wide/],
    ];
    for (const [config, code, message] of cases) {
      const dir = mkdtempSync(join(root, 'side-'));
      copyFileSync(onnx, join(dir, 'model.onnx'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      await expect(OnnxFileModel.load(join(dir, 'model.onnx'), { device: 'cpu' }), JSON.stringify(config)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
  });

  it('a corrupt .onnx file gives SESSION_FAILED, not a crash', async () => {
    const path = join(root, 'corrupt.onnx');
    writeFileSync(path, Buffer.from('this is not a protobuf at all'));
    await expect(OnnxFileModel.load(path, { device: 'cpu' })).rejects.toMatchObject({ code: 'SESSION_FAILED' });
  });
});
