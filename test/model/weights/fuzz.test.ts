import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../../harness/errors.js';
import { openWeights } from '../../../harness/model/weights/open.js';
import { readTensor } from '../../../harness/model/weights/tensor.js';
import { randomTinyGpt2, writeTinyGpt2 } from '../../support/tiny-gpt2.js';

/**
 * Damaged weight files, fuzzed: every truncation and bit flip either still reads (a flip inside
 * tensor data is indistinguishable from other weights) or fails with a one-line LmbError, never
 * with another exception, a hang or a huge allocation.
 */
const root = mkdtempSync(join(tmpdir(), 'lmb-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RUNS = 1000;
const tiny = randomTinyGpt2(1, { n_layer: 1, n_embd: 8, n_head: 2, vocab_size: 17, n_positions: 8 });
const originals = {
  torch: readFileSync(join(writeTinyGpt2(join(root, 'torch'), tiny, 'torch', 'F16'), 'pytorch_model.bin')),
  safetensors: readFileSync(join(writeTinyGpt2(join(root, 'st'), tiny, 'safetensors', 'F32'), 'model.safetensors')),
};

function readAll(bytes: Uint8Array, name: string): 'ok' | LmbError {
  const path = join(root, name);
  writeFileSync(path, bytes);
  try {
    const file = openWeights(path);
    try {
      for (const t of file.tensors.values()) if (t.dtype !== 'BOOL') readTensor(t);
    } finally {
      file.close();
    }
    return 'ok';
  } catch (e) {
    if (e instanceof LmbError) return e;
    throw new Error(`not an LmbError: ${String(e)}`);
  }
}

const damage = (original: Buffer) => fc.oneof(
  fc.integer({ min: 0, max: original.length - 1 }).map((n) => original.subarray(0, n)),
  fc.array(fc.record({ at: fc.integer({ min: 0, max: original.length - 1 }), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 8 })
    .map((flips) => {
      const copy = Buffer.from(original);
      for (const { at, bit } of flips) copy[at] ^= 1 << bit;
      return copy;
    }),
);

describe.each(Object.entries(originals))('%s files, truncated or bit-flipped', (format, original) => {
  it(`${RUNS} damaged files: each reads, or fails with a one-line LmbError`, () => {
    const outcomes = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(damage(original), (bytes) => {
        const r = readAll(bytes, `${format}.bin`);
        if (r === 'ok') outcomes.ok++;
        else {
          outcomes.refused++;
          expect(r.oneLine()).not.toContain('\n');
          expect(r.code).toMatch(/^[A-Z_]+$/);
        }
      }),
      { seed: 2026, numRuns: RUNS },
    );
    expect(outcomes.ok + outcomes.refused).toBe(RUNS);
    // Truncations alone are half the cases, and none of them can read.
    expect(outcomes.refused).toBeGreaterThan(RUNS / 3);
  });
});
