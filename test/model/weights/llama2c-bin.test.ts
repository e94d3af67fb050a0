import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLlama2cBin } from '../../../harness/model/weights/llama2c-bin.js';
import { detectWeightFormat, openWeights } from '../../../harness/model/weights/open.js';
import { readTensor } from '../../../harness/model/weights/tensor.js';
import { readLlama2c, writeLlama2c } from '../../support/reference-llama.js';
import { randomTinyLlama } from '../../support/tiny-llama.js';
import { caught } from '../../support/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'lmb-llama2c-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const STORIES = join(import.meta.dirname, '..', '..', 'fixtures', 'llama2c-stories260K', 'stories260K.bin');
const bytes = readFileSync(STORIES);

function file(name: string, data: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** stories260K with header field `index` replaced. */
function withField(index: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeInt32LE(value, 4 * index);
  return copy;
}

describe('llama2.c version-0 .bin', () => {
  it('reads the header of stories260K and names its tensors as llama2.c model.py does', () => {
    const f = openLlama2cBin(STORIES);
    expect(f.header).toEqual({
      dim: 64, hidden_dim: 172, n_layers: 5, n_heads: 8, n_kv_heads: 4, vocab_size: 512, seq_len: 512, shared_classifier: true,
    });
    expect(f.tensors.size).toBe(1 + 9 * 5 + 1);
    expect(f.tensors.get('layers.4.attention.wk.weight')!.shape).toEqual([32, 64]);
    expect(f.tensors.get('layers.0.feed_forward.w2.weight')!.shape).toEqual([64, 172]);
    expect(f.tensors.has('output.weight')).toBe(false);
    // Every layer's slice of a stacked tensor, as an independent reader finds it.
    const ref = readLlama2c(STORIES).weights;
    expect(readTensor(f.tensors.get('layers.3.attention.wv.weight')!)).toEqual(ref.get('wv')!.subarray(3 * 32 * 64, 4 * 32 * 64));
    expect(readTensor(f.tensors.get('layers.2.feed_forward.w3.weight')!)).toEqual(ref.get('w3')!.subarray(2 * 172 * 64, 3 * 172 * 64));
    expect(readTensor(f.tensors.get('norm.weight')!)).toEqual(ref.get('rms_final_weight'));
    f.close();
  });

  it('a negative vocab_size means a separate classifier after the rotary tables', () => {
    const tiny = randomTinyLlama(2, { shared_classifier: false });
    const path = writeLlama2c(join(dir, 'unshared.bin'), tiny);
    expect(readFileSync(path).readInt32LE(20)).toBe(-61);
    expect(detectWeightFormat(path)).toBe('llama2c');
    const f = openWeights(path);
    expect(readTensor(f.tensors.get('output.weight')!)).toEqual(tiny.weights.get('wcls'));
    expect(readTensor(f.tensors.get('tok_embeddings.weight')!)).toEqual(tiny.weights.get('token_embedding_table'));
    f.close();
  });

  it('is told apart from a pickle even when its first byte is 0x80 (dim 384)', () => {
    const path = writeLlama2c(join(dir, 'dim384.bin'), randomTinyLlama(1, { dim: 384, n_heads: 6, n_kv_heads: 6, hidden_dim: 8, n_layers: 1 }));
    expect(readFileSync(path)[0]).toBe(0x80);
    expect(detectWeightFormat(path)).toBe('llama2c');
  });
});

describe('errors', () => {
  it('a truncated file: CHECKPOINT_CORRUPT with the size its header needs', () => {
    const err = caught(() => openWeights(file('cut.bin', bytes.subarray(0, 600_000))));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.oneLine()).toMatch(
      /cut\.bin is 600000 bytes but its header \(dim 64, hidden_dim 172, 5 layers, 8 heads, 4 kv heads, vocab 512 \(shared classifier\), seq_len 512\) needs 1056540: the file is truncated or its header is wrong\. Re-export/,
    );
  });

  it('a header that disagrees with the file size, either way', () => {
    const fewer = caught(() => openWeights(file('layers4.bin', withField(2, 4))));
    expect(fewer.code).toBe('CHECKPOINT_CORRUPT');
    expect(fewer.message).toMatch(/4 layers.* accounts for only \d+: the header disagrees with the weights$/);
    // The header says the classifier is separate, but the file has no room for it.
    const unshared = caught(() => openWeights(file('unshared-header.bin', withField(5, -512))));
    expect(unshared.message).toMatch(/separate classifier.* needs 1187612: the file is truncated or its header is wrong$/);
    const trailing = caught(() => openWeights(file('trailing.bin', Buffer.concat([bytes, Buffer.alloc(4)]))));
    expect(trailing.message).toMatch(/is 1056544 bytes but .* accounts for only 1056540/);
  });

  it("llama2.c's quantized export is refused by name, with the export that works", () => {
    // The first bytes of stories260K_q8.bin: "ak42", version 2, the seven fields, shared, group size 4.
    const q8 = Buffer.alloc(256);
    q8.write('24ka', 0, 'latin1');
    [2, 64, 172, 5, 8, 4, 512, 512].forEach((v, i) => q8.writeInt32LE(v, 4 + 4 * i));
    q8.writeUInt8(1, 36);
    q8.writeInt32LE(4, 37);
    const path = file('stories260K_q8.bin', q8);
    expect(detectWeightFormat(path)).toBe('llama2c');
    const err = caught(() => openWeights(path));
    expect(err.code).toBe('CHECKPOINT_UNSUPPORTED');
    expect(err.oneLine()).toMatch(/is a llama2\.c int8-quantized \(version 2\) export; .*float32 version-0 format\. Export it with llama2\.c's export\.py --version 0/);
  });

  it('a header that cannot be a llama2.c header, read as one, says which field', () => {
    expect(caught(() => openLlama2cBin(file('heads0.bin', withField(3, 0)))).message).toMatch(/is not a llama2\.c checkpoint: its header's n_heads is 0$/);
    expect(caught(() => openLlama2cBin(file('short.bin', bytes.subarray(0, 20)))).message).toMatch(/is 20 bytes, shorter than a llama2\.c header/);
  });
});
