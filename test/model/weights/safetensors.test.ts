import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWeights } from '../../../harness/model/weights/open.js';
import { openSafetensors } from '../../../harness/model/weights/safetensors.js';
import { readTensor } from '../../../harness/model/weights/tensor.js';
import { writeSafetensors } from '../../support/write-safetensors.js';
import { caught } from '../../support/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'lmb-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file from a header object and raw data, bypassing the writer's checks. */
function handMade(name: string, header: unknown, data: Uint8Array, declaredLength?: bigint): string {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(declaredLength ?? BigInt(json.length));
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([length, json, data]));
  return path;
}

const f32 = (...values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('openSafetensors', () => {
  it('reads a hand-built file', () => {
    const path = handMade('hand.safetensors', {
      __metadata__: { format: 'pt' },
      b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
      a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
    }, new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0, 0, 0, 0, ...f32(0.25, -7)]));
    const file = openSafetensors(path);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...readTensor(file.tensors.get('a')!)]).toEqual([1, -2]);
    expect([...readTensor(file.tensors.get('b')!)]).toEqual([0.25, -7]);
    file.close();
  });

  it('round-trips what writeSafetensors wrote, exactly', () => {
    const path = join(dir, 'rt.safetensors');
    const values = Float32Array.from({ length: 24 }, (_, i) => (i - 12) / 8);
    writeSafetensors(path, [
      { name: 'w', dtype: 'F32', shape: [4, 6], data: Float32Array.from(values, (v) => v * Math.E) },
      { name: 'h', dtype: 'F16', shape: [2, 3, 4], data: values },
      { name: 'bf', dtype: 'BF16', shape: [24], data: values },
      { name: 'mask', dtype: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) },
    ], { format: 'pt' });
    const file = openSafetensors(path);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(readTensor(file.tensors.get('w')!)).toEqual(Float32Array.from(values, (v) => v * Math.E));
    expect(file.tensors.get('h')!.shape).toEqual([2, 3, 4]);
    expect(readTensor(file.tensors.get('h')!)).toEqual(values);
    expect(readTensor(file.tensors.get('bf')!)).toEqual(values);
    expect([...readTensor(file.tensors.get('mask')!)]).toEqual([1, 0, 1]);
    file.close();
  });

  it.each([
    ['data past the end of the file', { x: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, /lies outside the 8-byte data section/],
    ['begin after end', { x: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, /lies outside/],
    ['overlapping tensors', {
      x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    }, /"x" and "y" overlap/],
    ['a size that does not match dtype and shape', { x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, /needs 12 bytes, not 8/],
    ['a negative shape', { x: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, /malformed shape/],
    ['a non-string metadata value', { __metadata__: { n: 1 } }, /__metadata__\.n is not a string/],
  ])('rejects %s', (label, header, message) => {
    const err = caught(() => openSafetensors(handMade(`${label}.safetensors`, header, f32(1, 2))));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.message).toMatch(message);
  });

  it('rejects a huge declared header length before allocating for it', () => {
    const path = handMade('huge.safetensors', {}, f32(1), 1n << 62n);
    const err = caught(() => openSafetensors(path));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.message).toMatch(/header length 4611686018427387904 exceeds the file \(14 bytes\)/);
  });

  it('a header over the size cap is named as such when the file is opened by format detection, not as an unknown format', () => {
    const path = handMade('over-cap.safetensors', {}, f32(1), 200_000_000n);
    const err = caught(() => openWeights(path));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.message).toMatch(/header length 200000000 exceeds the file \(14 bytes\) or the 100 MB limit/);
  });

  it('rejects a header length one past the file', () => {
    const path = handMade('plus1.safetensors', {}, new Uint8Array(), 3n);
    expect(caught(() => openSafetensors(path)).message).toMatch(/header length 3 exceeds/);
  });

  it('rejects a header that is not JSON, and names unsupported dtypes', () => {
    const bad = join(dir, 'notjson.safetensors');
    writeFileSync(bad, Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{no}')]));
    expect(caught(() => openSafetensors(bad)).message).toMatch(/not JSON/);
    const f8 = caught(() => openSafetensors(handMade('f8.safetensors', { x: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1))));
    expect(f8.code).toBe('CHECKPOINT_UNSUPPORTED');
    expect(f8.message).toMatch(/"x" has dtype F8_E4M3/);
  });

  it('rejects a file too short for the length prefix', () => {
    const path = join(dir, 'short.safetensors');
    writeFileSync(path, Buffer.from([1, 2, 3]));
    expect(caught(() => openSafetensors(path)).code).toBe('CHECKPOINT_CORRUPT');
  });
});
