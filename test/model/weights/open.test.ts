import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { detectWeightFormat, openWeights } from '../../../harness/model/weights/open.js';
import { readTensor } from '../../../harness/model/weights/tensor.js';
import { writeSafetensors } from '../../support/write-safetensors.js';
import { writeTorchBin } from '../../support/write-torch-bin.js';
import { caught } from '../../support/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'lmb-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));

const tensor = { name: 'w', dtype: 'F32' as const, shape: [2, 2], data: Float32Array.of(1, -2, 3.5, 4) };

describe('openWeights', () => {
  it('a FIFO where the weights belong is refused at once, instead of waiting for a writer forever', () => {
    const fifo = join(dir, 'fifo.bin');
    execFileSync('mkfifo', [fifo]);
    const e = caught(() => openWeights(fifo));
    expect(e).toMatchObject({ code: 'FILE_MISSING', message: `${fifo} is not a file` });
  });

  it('picks the reader from the magic bytes, not the file name', () => {
    const zip = join(dir, 'weights.safetensors');
    writeTorchBin(zip, [tensor]);
    const st = join(dir, 'pytorch_model.bin');
    writeSafetensors(st, [tensor]);
    expect(detectWeightFormat(zip)).toBe('torch-zip');
    expect(detectWeightFormat(st)).toBe('safetensors');
    for (const path of [zip, st]) {
      const file = openWeights(path);
      expect(file.path).toBe(path);
      expect([...readTensor(file.tensors.get('w')!)]).toEqual([1, -2, 3.5, 4]);
      file.close();
    }
  });

  it('opens a checkpoint saved by PyTorch', () => {
    const file = openWeights(join(fixtures, 'torch-tiny-gpt2/pytorch_model.bin'));
    expect(file.tensors.get('transformer.wte.weight')!.shape).toEqual([64, 16]);
    file.close();
  });

  it('says FILE_MISSING for a missing path or a directory', () => {
    const missing = caught(() => openWeights(join(dir, 'nope.bin')));
    expect(missing.code).toBe('FILE_MISSING');
    expect(missing.message).toMatch(/nope\.bin \(ENOENT\)/);
    mkdirSync(join(dir, 'folder'));
    expect(caught(() => openWeights(join(dir, 'folder'))).code).toBe('FILE_MISSING');
  });

  it('names a legacy PyTorch save', () => {
    const err = caught(() => openWeights(join(fixtures, 'torch-views/legacy.bin')));
    expect(err.code).toBe('CHECKPOINT_UNSUPPORTED');
    expect(err.oneLine()).toMatch(/legacy \(pre-1\.6, non-zip\) PyTorch checkpoint\. Re-save it/);
  });

  it.each([
    ['a bare pickle', Buffer.from([0x80, 0x04, 0x95, 1, 0, 0, 0, 0, 0, 0, 0, 0x4e, 0x2e]), 'CHECKPOINT_UNSUPPORTED'],
    ['text', Buffer.from('version https://git-lfs.github.com/spec/v1\n'), 'CHECKPOINT_FORMAT_UNKNOWN'],
    ['an empty file', Buffer.alloc(0), 'CHECKPOINT_FORMAT_UNKNOWN'],
  ])('refuses %s', (label, bytes, code) => {
    const path = join(dir, `${label}.bin`);
    writeFileSync(path, bytes);
    expect(caught(() => openWeights(path)).code).toBe(code);
  });
});
