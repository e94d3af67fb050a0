import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { PICKLE_BUDGET } from '../../harness/model/weights/pickle.js';
import { openTokenizer } from '../../harness/tokenize/open.js';
import { writeZip } from '../support/write-torch-bin.js';
import { expectOneLine, readEveryTensor } from './read-weights.js';

/**
 * Files of a few KB to a few MB that ask for runaway work or memory: integers millions of bytes
 * long (parsed quadratically), stack, mark and memo floods, claimed lengths far past the file, a
 * data.pkl that inflates to hundreds of MB, JSON nested a million deep. Each is refused with a
 * coded line. The bound asserted on each case's time is not a speed target: it is far above what
 * a refusal takes, and far below what the runaway work would.
 */
const root = mkdtempSync(join(tmpdir(), 'lmb-hostile-resource-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BOUND_MS = 3000;
const RUNS = 40;
/** Floods are a few MB each: fewer of them. */
const FLOODS = 12;

let written = 0;
/** A torch.save-shaped zip around `pkl` (stored, or deflated as a hostile file would be). */
function checkpoint(pkl: Uint8Array, method: 0 | 8 = 0): string {
  const path = join(root, `case-${written++ % 4}.bin`);
  writeZip(path, [{ name: 'archive/data.pkl', data: pkl, method }, { name: 'archive/version', data: Buffer.from('3\n') }]);
  return path;
}

/** Reads `path`, and checks it was refused with `code`, in one line naming it, within the bound. */
function refusedInTime(path: string, code: RegExp): void {
  const start = performance.now();
  const { error } = readEveryTensor(path);
  const ms = performance.now() - start;
  expectOneLine(error, path, code);
  expect(ms, `${path}: ${error?.oneLine()}`).toBeLessThan(BOUND_MS);
}

const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const u64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(n); return b; };
const pk = (...parts: (number | Uint8Array)[]) => Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.of(p) : p)));
const PROTO = pk(0x80, 2);
/** LONG_BINPUT 0, 1, 2, ...: `times` memo entries under distinct keys. */
function binputs(times: number): Buffer {
  const b = Buffer.alloc(5 * times);
  for (let i = 0; i < times; i++) {
    b[5 * i] = 0x72;
    b.writeUInt32LE(i, 5 * i + 1);
  }
  return b;
}

describe('pickles that ask for runaway work', () => {
  it(`${RUNS} big integers (LONG1 and LONG4 of 33 bytes to 2 MB): CHECKPOINT_OVER_BUDGET`, () => {
    let count = 0;
    fc.assert(fc.property(fc.oneof(fc.integer({ min: PICKLE_BUDGET.intBytes + 1, max: 255 }), fc.integer({ min: 256, max: 2_000_000 })), fc.boolean(), (n, deflate) => {
      count++;
      const long = n <= 255 && !deflate ? pk(0x8a, n) : pk(0x8b, u32(n));
      refusedInTime(checkpoint(pk(PROTO, long, Buffer.alloc(n, 0x7f), 0x30, 0x7d, 0x2e), deflate ? 8 : 0), /^CHECKPOINT_OVER_BUDGET$/);
    }), { seed: 12, numRuns: RUNS });
    expect(count).toBe(RUNS);
  });

  it(`${FLOODS} floods of DUP, MARK, MEMOIZE and BINPUT past their budgets: CHECKPOINT_OVER_BUDGET`, () => {
    let count = 0;
    const flood = fc.record({
      op: fc.constantFrom('dup', 'mark', 'memoize', 'binput'),
      times: fc.integer({ min: PICKLE_BUDGET.stack + 1, max: 2 * PICKLE_BUDGET.stack }),
    });
    fc.assert(fc.property(flood, ({ op, times }) => {
      count++;
      const body = op === 'dup' ? Buffer.alloc(times, 0x32)
        : op === 'mark' ? Buffer.alloc(times, 0x28)
        : op === 'memoize' ? Buffer.alloc(times, 0x94)
        : binputs(times);
      refusedInTime(checkpoint(pk(PROTO, 0x4e, body, 0x2e), 8), /^CHECKPOINT_OVER_BUDGET$/);
    }), { seed: 13, numRuns: FLOODS });
    expect(count).toBe(FLOODS);
  });

  it(`${RUNS} strings and bytes claiming lengths far past the file: CHECKPOINT_CORRUPT, nothing allocated`, () => {
    let count = 0;
    const claim = fc.oneof(
      fc.integer({ min: 1 << 20, max: 0xffffffff }).map((n) => pk(fc.sample(fc.constantFrom(0x58, 0x42, 0x54), { seed: n, numRuns: 1 })[0], u32(n))),
      fc.bigInt({ min: 1n << 20n, max: (1n << 53n) - 1n }).map((n) => pk(fc.sample(fc.constantFrom(0x8d, 0x8e, 0x96), { seed: Number(n % 1000n), numRuns: 1 })[0], u64(n))),
    );
    fc.assert(fc.property(claim, (op) => {
      count++;
      const path = checkpoint(pk(PROTO, op, Buffer.from('short'), 0x2e));
      const start = performance.now();
      const { error, largestBuffer } = readEveryTensor(path);
      expectOneLine(error, path, /^CHECKPOINT_CORRUPT$/);
      expect(performance.now() - start).toBeLessThan(BOUND_MS);
      expect(largestBuffer).toBeLessThan(1 << 20);
    }), { seed: 14, numRuns: RUNS });
    expect(count).toBe(RUNS);
  });

  it('a data.pkl of a few hundred KB that inflates past 64 MB is refused before it is inflated', () => {
    const path = checkpoint(pk(PROTO, 0x4e, Buffer.alloc(100 << 20, 0x32), 0x2e), 8);
    refusedInTime(path, /^CHECKPOINT_OVER_BUDGET$/);
  });
});

describe('tokenizer files nested far deeper than any tokenizer', () => {
  const tokenizer = join(import.meta.dirname, '..', 'fixtures', 'gpt2-tokenizer');
  it(`${RUNS} vocab.json and tokenizer.json files nested 65 to 1,000,000 deep: TOKENIZER_CORRUPT`, () => {
    let count = 0;
    fc.assert(fc.property(fc.integer({ min: 65, max: 1_000_000 }), fc.constantFrom('vocab.json', 'tokenizer.json'), fc.boolean(), (depth, file, inValue) => {
      count++;
      const dir = mkdtempSync(join(root, 'tok-'));
      cpSync(tokenizer, dir, { recursive: true });
      const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      writeFileSync(join(dir, file), inValue ? `{"a": ${deep}}` : deep);
      const start = performance.now();
      let error: unknown;
      try {
        openTokenizer(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LmbError);
      expect((error as LmbError).code).toBe('TOKENIZER_CORRUPT');
      expect((error as LmbError).oneLine()).toContain(`nests ${depth + (inValue ? 1 : 0)} levels deep`);
      expect(performance.now() - start).toBeLessThan(BOUND_MS);
      rmSync(dir, { recursive: true, force: true });
    }), { seed: 15, numRuns: RUNS });
    expect(count).toBe(RUNS);
  });
});
