import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeZip } from '../support/write-torch-bin.js';
import { expectOneLine, readEveryTensor } from './read-weights.js';

/**
 * Hostile data.pkl inside an otherwise valid PyTorch zip: globals outside the allow-list reached
 * through every opcode that names or calls one, storages and views declared far larger than the
 * file, and opcode soup. Nothing can run (the unpickler calls only its own functions); each is
 * refused in one line naming the file, and nothing larger than the file is allocated.
 */
const root = mkdtempSync(join(tmpdir(), 'lmb-hostile-pickle-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RUNS = 1000;
/** The names torch-bin.ts lets a pickle resolve; anything else must be refused. */
const ALLOWED = new Set([
  'collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state',
  ...['Float', 'Half', 'BFloat16', 'Double', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool'].map((t) => `torch.${t}Storage`),
  ...['float32', 'float', 'float16', 'half', 'bfloat16', 'float64', 'double', 'int64', 'long', 'int32', 'int', 'int16', 'short', 'int8', 'uint8', 'bool']
    .map((t) => `torch.${t}`),
]);

type Part = number | string | Uint8Array;
/** Pickle bytes from opcode bytes, latin1 strings and raw bytes. */
const pk = (...parts: Part[]) => Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.of(p) : typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
const utf8 = (s: string) => { const b = Buffer.from(s); return pk(0x8c, b.length, b); }; // SHORT_BINUNICODE
function int(n: number | bigint): Buffer {
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 256) return pk(0x4b, n); // BININT1
  let v = BigInt(n);
  const bytes: number[] = [];
  while (v !== 0n && v !== -1n) { bytes.push(Number(v & 0xffn)); v >>= 8n; }
  if (bytes.length === 0 || (bytes[bytes.length - 1] & 0x80) !== (BigInt(n) < 0n ? 0x80 : 0)) bytes.push(BigInt(n) < 0n ? 0xff : 0);
  return pk(0x8a, bytes.length, ...bytes); // LONG1
}
const tuple = (...items: Buffer[]) => pk(0x28, ...items, 0x74); // MARK ... TUPLE

let written = 0;
/** A torch.save-shaped zip around `pkl`, with one 8-byte storage (two float32). */
function checkpoint(pkl: Uint8Array): { path: string; size: number } {
  const path = join(root, `case-${written++ % 8}.bin`);
  writeZip(path, [
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/data/0', data: new Uint8Array(new Float32Array([1.5, -2]).buffer) },
    { name: 'archive/version', data: Buffer.from('3\n') },
  ]);
  return { path, size: statSync(path).size };
}

const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/);
const dotted = fc.array(identifier, { minLength: 1, maxLength: 3 }).map((p) => p.join('.'));
const global = fc.oneof(
  fc.constantFrom(['os', 'system'], ['posix', 'system'], ['builtins', 'eval'], ['builtins', 'exec'], ['builtins', 'getattr'],
    ['subprocess', 'Popen'], ['subprocess', 'check_output'], ['torch', 'load'], ['torch.storage', '_load_from_bytes'],
    ['torch._utils', '_rebuild_qtensor'], ['numpy.core.multiarray', '_reconstruct'], ['collections', 'defaultdict'],
    ['torch', 'FloatTensor'], ['__builtin__', 'eval'], ['webbrowser', 'open']),
  fc.tuple(fc.constantFrom('torch', 'torch._utils', 'collections', 'builtins'), identifier),
  fc.tuple(dotted, dotted),
).filter(([m, n]) => !ALLOWED.has(`${m}.${n}`));

const args = fc.constantFrom(pk(0x29), tuple(utf8('rm -rf ~')), tuple(int(1), int(2)));
const GLOBAL = (m: string, n: string) => pk(0x63, `${m}\n${n}\n`);
const STACK_GLOBAL = (m: string, n: string) => pk(utf8(m), utf8(n), 0x93);
/** Ways a pickle names or calls a global, each leaving one value before STOP. */
const USES: Record<string, (m: string, n: string, a: Buffer) => Buffer> = {
  'GLOBAL REDUCE': (m, n, a) => pk(GLOBAL(m, n), a, 0x52),
  'STACK_GLOBAL REDUCE': (m, n, a) => pk(STACK_GLOBAL(m, n), a, 0x52),
  NEWOBJ: (m, n, a) => pk(GLOBAL(m, n), a, 0x81),
  NEWOBJ_EX: (m, n, a) => pk(STACK_GLOBAL(m, n), a, 0x7d, 0x92),
  BUILD: (m, n) => pk(GLOBAL(m, n), 0x7d, 0x62),
  OBJ: (m, n) => pk(0x28, GLOBAL(m, n), utf8('x'), 0x6f),
  INST: (m, n) => pk(0x28, utf8('x'), 0x69, `${m}\n${n}\n`),
  'named, then dropped': (m, n) => pk(GLOBAL(m, n), 0x30, 0x7d),
  'memoized, then called': (m, n, a) => pk(GLOBAL(m, n), 0x71, 0, 0x30, 0x68, 0, a, 0x52),
  'inside a state dict': (m, n, a) => pk(0x7d, 0x28, utf8('w'), GLOBAL(m, n), a, 0x52, 0x75),
};

describe('hostile pickles', () => {
  it(`${RUNS} pickles naming globals outside the allow-list: each refused in one line, naming the global`, () => {
    const tried = new Map<string, number>();
    fc.assert(
      fc.property(global, fc.constantFrom(...Object.keys(USES)), args, ([m, n], use, a) => {
        tried.set(use, (tried.get(use) ?? 0) + 1);
        // GLOBAL and INST read names up to a newline; STACK_GLOBAL takes any string.
        const { path } = checkpoint(pk(0x80, 2, USES[use](m, n, a), 0x2e));
        const { error } = readEveryTensor(path);
        if (use === 'INST') {
          // torch.save never writes INST: it is refused as an unknown opcode before the name is read.
          expectOneLine(error, path, /^CHECKPOINT_CORRUPT$/);
          return;
        }
        expectOneLine(error, path, /^CHECKPOINT_PICKLE_UNSAFE$/);
        expect(error!.message).toContain(`asks to call ${m}.${n},`);
      }),
      { seed: 2028, numRuns: RUNS },
    );
    expect([...tried.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect(tried.size).toBe(Object.keys(USES).length);
  });

  // A state dict of one tensor, w = rebuild(storage('0', count), offset, shape, stride).
  const declared = (count: number | bigint, offset: number | bigint, shape: (number | bigint)[], stride: (number | bigint)[]) => pk(
    0x80, 2, 0x7d, utf8('w'), GLOBAL('torch._utils', '_rebuild_tensor_v2'),
    0x28, tuple(utf8('storage'), GLOBAL('torch', 'FloatStorage'), utf8('0'), utf8('cpu'), int(count)), 0x51,
    int(offset), tuple(...shape.map(int)), tuple(...stride.map(int)), 0x89, 0x7d, 0x74, 0x52, 0x73, 0x2e);
  const size = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 ** 31 }),
    fc.constantFrom<number | bigint>(2 ** 16, 2 ** 16 + 1, 2 ** 40, 2 ** 53 - 1, 2n ** 53n, 2n ** 63n, 2n ** 64n, -1, -(2 ** 40)));

  it(`${RUNS} storages and views declared beyond the file: read if they fit, else refused, never allocating more`, () => {
    const outcomes = { read: 0, refused: 0 };
    fc.assert(
      fc.property(fc.oneof(fc.constant(2), size), size, fc.array(fc.tuple(size, size), { maxLength: 4 }), (count, offset, dims) => {
        const { path, size: fileSize } = checkpoint(declared(count, offset, dims.map(([s]) => s), dims.map(([, s]) => s)));
        const r = readEveryTensor(path);
        expect(r.largestBuffer).toBeLessThanOrEqual(fileSize);
        // A broadcast view may repeat its two elements, up to 2^16 of them.
        expect(r.elements).toBeLessThanOrEqual(2 ** 16);
        if (r.error) {
          outcomes.refused++;
          expectOneLine(r.error, path, /^CHECKPOINT_CORRUPT$/);
        } else outcomes.read++;
      }),
      { seed: 2029, numRuns: RUNS },
    );
    expect(outcomes.read + outcomes.refused).toBe(RUNS);
    expect(outcomes.read).toBeGreaterThan(0);
  });

  it('a 2-element storage viewed as 2^40 elements through stride 0 is refused before any allocation', () => {
    const { path } = checkpoint(declared(2, 0, [2 ** 20, 2 ** 20], [0, 0]));
    const r = readEveryTensor(path);
    expectOneLine(r.error, path, /^CHECKPOINT_CORRUPT$/);
    expect(r.error!.message).toMatch(/tensor of shape \[1048576,1048576\] expands storage 0 \(2 elements\) to 1099511627776 elements/);
  });

  const OPCODES = [0x28, 0x29, 0x2e, 0x30, 0x32, 0x4b, 0x4e, 0x51, 0x52, 0x5d, 0x61, 0x62, 0x63, 0x68, 0x71, 0x73, 0x74, 0x75, 0x7d, 0x81, 0x85, 0x86, 0x87, 0x88, 0x8c, 0x93, 0x94];
  it(`${RUNS} opcode soups: each reads or is refused in one line`, () => {
    let count = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...OPCODES), fc.integer({ min: 0, max: 255 })), { maxLength: 48 }), (ops) => {
        count++;
        const { path } = checkpoint(pk(0x80, 2, ...ops));
        const r = readEveryTensor(path);
        if (r.error) expectOneLine(r.error, path, /^CHECKPOINT_/);
      }),
      { seed: 2030, numRuns: RUNS },
    );
    expect(count).toBe(RUNS);
  });
});
