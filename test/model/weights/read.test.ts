import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { f32ToF16Bits } from '../../../harness/model/weights/convert.js';
import { isContiguous, readElements, readStrided } from '../../../harness/model/weights/read.js';

const dir = mkdtempSync(join(tmpdir(), 'lmb-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `header` junk bytes followed by storage values i -> f(i). */
function storageFile(name: string, count: number, dtype: 'F32' | 'F16', header = 13): { fd: number; path: string } {
  const path = join(dir, name);
  const values = Float32Array.from({ length: count }, (_, i) => (i % 2048) - 1024);
  const data = dtype === 'F32' ? new Uint8Array(values.buffer) : new Uint8Array(Uint16Array.from(values, f32ToF16Bits).buffer);
  writeFileSync(path, Buffer.concat([Buffer.alloc(header, 7), data]));
  return { fd: openSync(path, 'r'), path };
}
const value = (i: number) => (i % 2048) - 1024;

describe('readElements', () => {
  it('reads float16 across several 4 MB chunks, from an unaligned file position', () => {
    const count = 2_200_000;
    const { fd, path } = storageFile('f16.bin', count, 'F16');
    const out = new Float32Array(count);
    readElements(fd, path, 13, 'F16', count, out);
    closeSync(fd);
    for (const i of [0, 1, 2_097_151, 2_097_152, 2_097_153, 2_199_999]) expect(out[i]).toBe(value(i));
  });

  it('fails with CHECKPOINT_CORRUPT when the file is shorter than the tensor', () => {
    const { fd, path } = storageFile('short.bin', 10, 'F32');
    expect(() => readElements(fd, path, 13, 'F32', 11, new Float32Array(11))).toThrow(/ended at byte 53/);
    closeSync(fd);
  });
});

describe('readStrided', () => {
  it('knows contiguous layouts, ignoring size-1 dimensions', () => {
    expect(isContiguous([2, 3], [3, 1])).toBe(true);
    expect(isContiguous([1, 3], [99, 1])).toBe(true);
    expect(isContiguous([3, 2], [1, 3])).toBe(false);
  });

  it('reads a permuted view in one window', () => {
    const { fd, path } = storageFile('perm.bin', 24, 'F32');
    const out = new Float32Array(24);
    // view(2, 3, 4).permute(2, 0, 1): shape [4, 2, 3], strides [1, 12, 4]
    readStrided(fd, path, 13, 'F32', [4, 2, 3], [1, 12, 4], 0, out);
    closeSync(fd);
    const expected: number[] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) expected.push(value(a + 12 * b + 4 * c));
    expect([...out]).toEqual(expected);
  });

  it('reads a sparse view of a large storage in several windows', () => {
    const { fd, path } = storageFile('sparse.bin', 4_000_000, 'F32');
    // 700k elements 5 apart: the span (3.5M) is larger than one window (max(2 * 700k, 1M)).
    const out = new Float32Array(700_000);
    readStrided(fd, path, 13, 'F32', [700_000], [5], 3, out);
    closeSync(fd);
    for (const i of [0, 1, 279_999, 280_000, 280_001, 699_999]) expect(out[i]).toBe(value(3 + 5 * i));
  });

  it('reads a broadcast (stride 0) view', () => {
    const { fd, path } = storageFile('bcast.bin', 3, 'F16');
    const out = new Float32Array(6);
    readStrided(fd, path, 13, 'F16', [2, 3], [0, 1], 0, out);
    closeSync(fd);
    expect([...out]).toEqual([-1024, -1023, -1022, -1024, -1023, -1022]);
  });
});
