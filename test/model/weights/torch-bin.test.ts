import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { f16ToF32 } from '../../../harness/model/weights/convert.js';
import { readTensor, type WeightFile } from '../../../harness/model/weights/tensor.js';
import { openTorchBin } from '../../../harness/model/weights/torch-bin.js';
import { openZip } from '../../../harness/model/weights/zip.js';
import { writeTorchBin, writeZip, type TorchTensorSpec } from '../../support/write-torch-bin.js';
import { caught } from '../../support/errors.js';

function halfToFloat(h: number): number {
  const out = new Float32Array(1);
  f16ToF32(Uint16Array.of(h), out);
  return out[0];
}

const dir = mkdtempSync(join(tmpdir(), 'lmb-torch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));

function withFile<T>(path: string, fn: (file: WeightFile) => T): T {
  const file = openTorchBin(path);
  try {
    return fn(file);
  } finally {
    file.close();
  }
}

/** Values exact in float16 and bfloat16: small multiples of 1/64. */
const exact = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (((i * 37 + seed) % 257) - 128) / 64);

const specs: TorchTensorSpec[] = [
  { name: 'transformer.wte.weight', dtype: 'F16', shape: [10, 4], data: exact(40, 1) },
  { name: 'w32', dtype: 'F32', shape: [3, 5], data: Float32Array.from({ length: 15 }, (_, i) => Math.PI * (i - 7)) },
  { name: 'bf', dtype: 'BF16', shape: [6], data: exact(6, 2) },
  { name: 'transformer.h.0.attn.bias', dtype: 'BOOL', shape: [1, 1, 3, 3], data: Uint8Array.of(1, 0, 0, 1, 1, 0, 1, 1, 1) },
  { name: 'masked_bias', dtype: 'F16', shape: [], data: Float32Array.of(-1e4) },
  { name: 'lm_head.weight', dtype: 'F16', shape: [10, 4], data: new Float32Array(40), shareWith: 'transformer.wte.weight' },
];

/** The data.pkl bytes of a checkpoint. */
function picklePart(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const zip = openZip(fd, path, fstatSync(fd).size);
    const entry = [...zip.entries.values()].find((e) => e.name.endsWith('/data.pkl'))!;
    return Buffer.from(zip.readWhole(entry, 1 << 20));
  } finally {
    closeSync(fd);
  }
}

describe('openTorchBin round trip', () => {
  it.each([['plain', {}], ['ZIP64', { forceZip64: true }]])('reads back every dtype exactly (%s)', (label, options) => {
    const path = join(dir, `rt-${label}.bin`);
    writeTorchBin(path, specs, options);
    withFile(path, (file) => {
      expect([...file.tensors.keys()]).toEqual(specs.map((s) => s.name));
      for (const spec of specs.slice(0, 3)) {
        const t = file.tensors.get(spec.name)!;
        expect(t.dtype).toBe(spec.dtype);
        expect(t.shape).toEqual(spec.shape);
        expect(readTensor(t)).toEqual(spec.data);
      }
      const mask = file.tensors.get('transformer.h.0.attn.bias')!;
      expect(mask.dtype).toBe('BOOL');
      expect([...readTensor(mask)]).toEqual([1, 0, 0, 1, 1, 0, 1, 1, 1]);
      expect(file.tensors.get('masked_bias')!.shape).toEqual([]);
      expect([...readTensor(file.tensors.get('masked_bias')!)]).toEqual([-10000]);
    });
  });

  it('reads a tensor that shares another one\'s storage', () => {
    const path = join(dir, 'shared.bin');
    writeTorchBin(path, specs);
    withFile(path, (file) => {
      const head = file.tensors.get('lm_head.weight')!;
      expect(head.shape).toEqual([10, 4]);
      expect(readTensor(head)).toEqual(specs[0].data);
    });
    // One data entry per storage: 5 storages for 6 tensors.
    const fd = openSync(path, 'r');
    const names = [...openZip(fd, path, fstatSync(fd).size).entries.keys()];
    closeSync(fd);
    expect(names.filter((n) => n.startsWith('shared/data/'))).toEqual(['shared/data/0', 'shared/data/1', 'shared/data/2', 'shared/data/3', 'shared/data/4']);
  });

  it('checks the buffer length and refuses reads after close', () => {
    const path = join(dir, 'close.bin');
    writeTorchBin(path, specs);
    const file = openTorchBin(path);
    const t = file.tensors.get('w32')!;
    expect(() => t.readInto(new Float32Array(14))).toThrow(RangeError);
    file.close();
    expect(() => t.readInto(new Float32Array(15))).toThrow(/closed/);
  });
});

describe('openTorchBin on files saved by PyTorch', () => {
  const TORCH_DTYPES: Record<string, string> = { float16: 'F16', float32: 'F32', bfloat16: 'BF16', int64: 'I64', bool: 'BOOL' };

  it('matches torch on the tiny GPT-2 (float16, tied lm_head, bool mask buffers)', () => {
    const expected = JSON.parse(readFileSync(join(fixtures, 'torch-tiny-gpt2/expected.json'), 'utf8'));
    withFile(join(fixtures, 'torch-tiny-gpt2/pytorch_model.bin'), (file) => {
      expect([...file.tensors.keys()]).toEqual(expected.keys);
      expect(file.tensors.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([16, 48]);
      for (const [name, want] of Object.entries<{ shape: number[]; dtype: string; values: Record<string, number>; sum: number }>(expected.tensors)) {
        const t = file.tensors.get(name)!;
        expect(t.shape, name).toEqual(want.shape);
        expect(t.dtype, name).toBe(TORCH_DTYPES[want.dtype]);
        const values = readTensor(t);
        for (const [i, v] of Object.entries(want.values)) expect(values[Number(i)], `${name}[${i}]`).toBe(v);
        expect(values.reduce((a, b) => a + b, 0), name).toBeCloseTo(want.sum, 6);
      }
      const mask = readTensor(file.tensors.get('transformer.h.1.attn.bias')!);
      expect(mask[0 * 32 + 1]).toBe(0);
      expect(mask[5 * 32 + 5]).toBe(1);
      expect(mask.reduce((a, b) => a + b, 0)).toBe((32 * 33) / 2);
      expect(readTensor(file.tensors.get('transformer.h.0.attn.masked_bias')!)[0]).toBe(-10000);
      expect(readTensor(file.tensors.get('lm_head.weight')!)).toEqual(readTensor(file.tensors.get('transformer.wte.weight')!));
    });
  });

  it('matches torch on transposed, offset, strided, broadcast and mixed-dtype views', () => {
    const expected = JSON.parse(readFileSync(join(fixtures, 'torch-views/expected.json'), 'utf8'));
    withFile(join(fixtures, 'torch-views/pytorch_model.bin'), (file) => {
      expect([...file.tensors.keys()]).toEqual(Object.keys(expected));
      for (const [name, want] of Object.entries<{ shape: number[]; dtype: string; values: number[] }>(expected)) {
        const t = file.tensors.get(name)!;
        expect(t.shape, name).toEqual(want.shape);
        expect(t.dtype, name).toBe(TORCH_DTYPES[want.dtype]);
        expect([...readTensor(t)], name).toEqual(want.values);
      }
    });
  });

  it('gives the byte position of exactly the views whose bytes lie unbroken, row-major, in the file', () => {
    const path = join(fixtures, 'torch-views/pytorch_model.bin');
    const expected = JSON.parse(readFileSync(path.replace('pytorch_model.bin', 'expected.json'), 'utf8'));
    const bytes = readFileSync(path);
    const decode: Record<string, (at: number) => number> = {
      float32: (at) => bytes.readFloatLE(at),
      float16: (at) => halfToFloat(bytes.readUInt16LE(at)),
      bfloat16: (at) => new Float32Array(new Uint32Array([bytes.readUInt16LE(at) << 16]).buffer)[0],
    };
    const mapped: string[] = [];
    withFile(path, (file) => {
      for (const [name, want] of Object.entries<{ shape: number[]; stride: number[]; dtype: string; values: number[] }>(expected)) {
        const t = file.tensors.get(name)!;
        if (t.bytesAt === undefined || !decode[want.dtype]) continue;
        mapped.push(name);
        const size = want.dtype === 'float32' ? 4 : 2;
        expect(want.values.map((_, i) => decode[want.dtype](t.bytesAt! + i * size)), name).toEqual(want.values);
      }
    });
    // By PyTorch's strides: a column (stride 5), a block of rows 8 apart, transposed, broadcast and permuted views are not unbroken.
    expect(mapped).toEqual(['base', 'slice', 'scalar', 'empty', 'bf16']);
  });

  it('names the legacy (pre-1.6) format and how to re-save it', () => {
    const err = caught(() => openTorchBin(join(fixtures, 'torch-views/legacy.bin')));
    expect(err.code).toBe('CHECKPOINT_UNSUPPORTED');
    expect(err.message).toMatch(/legacy \(pre-1\.6, non-zip\)/);
    expect(err.fix).toMatch(/torch\.save/);
  });
});

describe('openTorchBin refuses', () => {
  const pickleOf = (...parts: (number | string)[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.of(p) : Buffer.from(p, 'latin1'))));
  const zipWith = (name: string, pkl: Uint8Array, extra: { name: string; data: Uint8Array; method?: 0 | 8 }[] = []) => {
    const path = join(dir, name);
    writeZip(path, [{ name: 'archive/data.pkl', data: pkl }, ...extra, { name: 'archive/version', data: Buffer.from('3\n') }]);
    return path;
  };

  it.each([
    ['os.system', pickleOf(0x80, 2, 'c', 'os\nsystem\n', 'X', 2, 0, 0, 0, 'id', 0x85, 'R', '.')],
    ['builtins.eval', pickleOf(0x80, 4, 0x8c, 8, 'builtins', 0x8c, 4, 'eval', 0x93, 0x8c, 2, '42', 0x85, 'R', '.')],
    ['torch.storage._load_from_bytes', pickleOf(0x80, 2, 'c', 'torch.storage\n_load_from_bytes\n', 'C', 1, 'x', 0x85, 'R', '.')],
  ])('a pickle that calls %s', (global, pkl) => {
    const err = caught(() => openTorchBin(zipWith(`evil-${global}.bin`, pkl)));
    expect(err.code).toBe('CHECKPOINT_PICKLE_UNSAFE');
    expect(err.oneLine()).toMatch(new RegExp(`asks to call ${global.replace(/\./g, '\\.')}, which a weights file never needs; refusing to load it\\. Only load checkpoints you trust`));
    expect(err.oneLine()).not.toMatch(/\n/);
  });

  it('a truncated checkpoint', () => {
    const path = join(dir, 'trunc.bin');
    writeTorchBin(path, specs);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const err = caught(() => openTorchBin(path));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.message).toContain(path);
    expect(err.fix).toMatch(/re-download the checkpoint/);
  });

  it('a storage smaller than its declared element count', () => {
    const good = join(dir, 'for-pickle.bin');
    writeTorchBin(good, [specs[1]]);
    const path = zipWith('short-storage.bin', picklePart(good), [{ name: 'archive/data/0', data: new Uint8Array(56) }]);
    expect(caught(() => openTorchBin(path)).message).toMatch(/storage 0 holds 56 bytes, not 15 F32 elements/);
  });

  it('a tensor that reaches past the end of its storage', () => {
    const good = join(dir, 'for-pickle2.bin');
    writeTorchBin(good, [specs[1]]);
    const pkl = Buffer.from(picklePart(good));
    const size = pkl.indexOf(Buffer.from([0x4b, 3, 0x4b, 5, 0x86])); // size (3, 5) -> (3, 6)
    pkl[size + 3] = 6;
    const path = zipWith('past-end.bin', pkl, [{ name: 'archive/data/0', data: new Uint8Array(60) }]);
    const err = caught(() => openTorchBin(path));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.message).toMatch(/reads past the end of storage 0/);
  });

  it('compressed tensor data', () => {
    const good = join(dir, 'for-pickle3.bin');
    writeTorchBin(good, [specs[1]]);
    const path = zipWith('deflated.bin', picklePart(good), [{ name: 'archive/data/0', data: new Uint8Array(60), method: 8 }]);
    const err = caught(() => openTorchBin(path));
    expect(err.code).toBe('CHECKPOINT_UNSUPPORTED');
    expect(err.message).toMatch(/compressed/);
  });

  it('a TorchScript archive, data.pkl and all (torch.jit.save writes one, naming __torch__ globals)', () => {
    const path = join(dir, 'script.pt');
    writeZip(path, [{ name: 'm/code/__torch__.py', data: Buffer.from('x') }, { name: 'm/constants.pkl', data: Buffer.from('.') }]);
    expect(caught(() => openTorchBin(path)).message).toMatch(/TorchScript/);
    const jit = join(dir, 'jit.pt');
    const pkl = Buffer.concat([Buffer.from([0x80, 2, 0x63]), Buffer.from('__torch__\nMyModule\n', 'latin1'), Buffer.from([0x29, 0x81, 0x2e])]);
    writeZip(jit, [{ name: 'm/data.pkl', data: pkl }, { name: 'm/code/__torch__.py', data: Buffer.from('x') }, { name: 'm/constants.pkl', data: Buffer.from('.') }]);
    expect(caught(() => openTorchBin(jit))).toMatchObject({ code: 'CHECKPOINT_UNSUPPORTED', message: `${jit} is a TorchScript archive, not a state dict` });
  });
});
