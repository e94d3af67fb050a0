import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DTYPE_BYTES, type DType } from '../../harness/model/weights/tensor.js';
import { expectOneLine, readEveryTensor } from './read-weights.js';

/**
 * Hostile safetensors headers, generated: a valid layout with one thing made wrong. Every file is
 * refused with a one-line LmbError before anything the size of a declared length is allocated.
 */
const root = mkdtempSync(join(tmpdir(), 'lmb-hostile-st-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RUNS = 1000;
const DTYPES = Object.keys(DTYPE_BYTES) as DType[];
/** JSON cannot spell these; they are spliced into the header text in place of their marker string. */
const RAW = ['1e400', '-1e400', '18446744073709551616', '9007199254740993', '5e-1'];
const raw = fc.constantFrom(...RAW.map((r) => `@raw:${r}@`));
const HUGE = [2 ** 53 - 1, 2 ** 53, 2 ** 63, 2 ** 64, 1e300, Number.MAX_VALUE];

interface Entry { dtype: unknown; shape: unknown; data_offsets: unknown }
interface Layout { entries: Entry[]; dataSize: number }

/** 1 to 4 non-empty tensors back to back: a valid file before it is damaged. */
const layout: fc.Arbitrary<Layout> = fc.array(fc.record({
  dtype: fc.constantFrom(...DTYPES),
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
}), { minLength: 2, maxLength: 4 }).map((ts) => {
  let at = 0;
  const entries = ts.map(({ dtype, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    at += size;
    return { dtype, shape, data_offsets: [at - size, at] };
  });
  return { entries, dataSize: at };
});

const sizeOf = (e: Entry) => (e.data_offsets as number[])[1] - (e.data_offsets as number[])[0];
const notACount = fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true, noNaN: true }), raw,
  fc.constantFrom<unknown>('8', null, true, [], {}, [4]), fc.constantFrom(...HUGE));

type Damage = (l: Layout) => fc.Arbitrary<{ kind: string; entries: Entry[]; lengthDelta?: bigint; header?: string }>;
const at = (l: Layout) => fc.integer({ min: 0, max: l.entries.length - 1 });
const replace = (l: Layout, i: number, e: Partial<Entry>) => l.entries.map((x, j) => (j === i ? { ...x, ...e } : x));

const damages: Record<string, Damage> = {
  // One tensor moved to start inside another.
  overlap: (l) => fc.tuple(at(l), at(l), fc.nat()).filter(([i, j]) => i !== j).map(([i, j, k]) => {
    const begin = (l.entries[i].data_offsets as number[])[0] + (k % sizeOf(l.entries[i]));
    return { kind: 'overlap', entries: replace(l, j, { data_offsets: [begin, begin + sizeOf(l.entries[j])] }) };
  }),
  outOfRange: (l) => fc.tuple(at(l), fc.integer({ min: 1, max: 2 ** 40 })).map(([i, k]) => {
    const begin = l.dataSize - sizeOf(l.entries[i]) + k;
    return { kind: 'outOfRange', entries: replace(l, i, { data_offsets: [begin, begin + sizeOf(l.entries[i])] }) };
  }),
  badOffset: (l) => fc.tuple(at(l), fc.boolean(), notACount).map(([i, first, v]) => {
    const [b, e] = l.entries[i].data_offsets as number[];
    return { kind: 'badOffset', entries: replace(l, i, { data_offsets: first ? [v, e] : [b, v] }) };
  }),
  offsetArity: (l) => fc.tuple(at(l), fc.constantFrom<unknown>([], [0], [0, 1, 2], '0-8', null, 8)).map(([i, v]) =>
    ({ kind: 'offsetArity', entries: replace(l, i, { data_offsets: v }) })),
  badShape: (l) => fc.tuple(at(l), fc.nat(3), notACount).map(([i, d, v]) => {
    const shape = [...(l.entries[i].shape as number[])];
    shape.splice(d % (shape.length + 1), 0, v as number);
    return { kind: 'badShape', entries: replace(l, i, { shape }) };
  }),
  // Valid dimensions whose product disagrees with data_offsets: an extra dimension > 1, or a huge one.
  shapeSize: (l) => fc.tuple(at(l), fc.oneof(fc.integer({ min: 2, max: 2 ** 20 }), fc.constantFrom(2 ** 40, 2 ** 53 - 1))).map(([i, n]) =>
    ({ kind: 'shapeSize', entries: replace(l, i, { shape: [n, ...(l.entries[i].shape as number[])] }) })),
  shapeNotArray: (l) => fc.tuple(at(l), fc.constantFrom<unknown>(4, '4', null, { 0: 4 })).map(([i, v]) =>
    ({ kind: 'shapeNotArray', entries: replace(l, i, { shape: v }) })),
  badDtype: (l) => fc.tuple(at(l), fc.oneof(fc.string(), fc.constantFrom<unknown>('f32', 'F8_E4M3', 'toString', '__proto__', 'constructor', 4, null)))
    .filter(([, v]) => !(DTYPES as unknown[]).includes(v))
    .map(([i, v]) => ({ kind: 'badDtype', entries: replace(l, i, { dtype: v }) })),
  // A valid dtype of another width: the byte count no longer matches.
  dtypeWidth: (l) => fc.tuple(at(l), fc.constantFrom(...DTYPES)).filter(([i, d]) => DTYPE_BYTES[d] !== DTYPE_BYTES[l.entries[i].dtype as DType])
    .map(([i, d]) => ({ kind: 'dtypeWidth', entries: replace(l, i, { dtype: d }) })),
  notAnEntry: (l) => fc.tuple(at(l), fc.constantFrom<unknown>(null, 5, 'x', [], true)).map(([i, v]) =>
    ({ kind: 'notAnEntry', entries: l.entries.map((x, j) => (j === i ? v as Entry : x)) })),
  // The 8-byte length: into the data, past the end of the file (by a little, or absurdly), or cutting the JSON short.
  lengthTooLong: (l) => fc.oneof(fc.bigInt({ min: 1n, max: 1n << 20n }), fc.constantFrom(1n << 53n, 1n << 63n, 1n << 64n))
    .map((d) => ({ kind: 'lengthTooLong', entries: l.entries, lengthDelta: d })),
  lengthShort: (l) => fc.integer({ min: 1, max: 40 }).map((k) => ({ kind: 'lengthShort', entries: l.entries, lengthDelta: BigInt(-k) })),
  notAnObject: (l) => fc.constantFrom('[]', 'null', '5', '"x"', '[{}]', '{"a":1}').map((header) => ({ kind: 'notAnObject', entries: l.entries, header })),
};

/** Writes header + data; the data bytes are 0xAB, which are neither JSON whitespace nor UTF-8. */
function write(name: string, d: { entries: Entry[]; lengthDelta?: bigint; header?: string }, dataSize: number): { path: string; size: number } {
  let json = d.header ?? JSON.stringify(Object.fromEntries(d.entries.map((e, i) => [`t${i}`, e])));
  for (const r of RAW) json = json.replaceAll(`"@raw:${r}@"`, r);
  const header = Buffer.from(json);
  const prefix = Buffer.alloc(8);
  const declared = BigInt(header.length) + (d.lengthDelta ?? 0n);
  const max = (1n << 64n) - 1n;
  prefix.writeBigUInt64LE(declared < 0n ? 0n : declared > max ? max : declared);
  const path = join(root, name);
  const bytes = Buffer.concat([prefix, header, Buffer.alloc(dataSize, 0xab)]);
  writeFileSync(path, bytes);
  return { path, size: bytes.length };
}

describe('hostile safetensors headers', () => {
  it(`${RUNS} generated headers: each refused in one line, allocating nothing the size of a declared length`, () => {
    const tried = new Map<string, number>();
    fc.assert(
      fc.property(layout.chain((l) => fc.oneof(...Object.values(damages).map((d) => d(l))).map((d) => ({ l, d }))), ({ l, d }) => {
        tried.set(d.kind, (tried.get(d.kind) ?? 0) + 1);
        const { path, size } = write('hostile.safetensors', d, l.dataSize);
        const r = readEveryTensor(path);
        expectOneLine(r.error, path, /^CHECKPOINT_/);
        if (d.kind === 'overlap') expect(r.error!.message).toMatch(/overlap|lies outside/);
        if (d.kind === 'outOfRange') expect(r.error!.message).toMatch(/lies outside/);
        expect(r.largestBuffer).toBeLessThanOrEqual(size);
      }),
      { seed: 2027, numRuns: RUNS },
    );
    expect([...tried.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect([...tried.keys()].sort()).toEqual(Object.keys(damages).sort());
  });

  it('an empty tensor may declare huge dimensions: it reads as nothing', () => {
    const { path } = write('empty.safetensors', { entries: [
      { dtype: 'F32', shape: [0, 2 ** 53 - 1], data_offsets: [0, 0] },
      { dtype: 'F16', shape: [...new Array(30).fill(2 ** 50), 0], data_offsets: [0, 0] },
    ] }, 0);
    const r = readEveryTensor(path);
    expect(r.error).toBeUndefined();
    expect(r.elements).toBe(0);
  });

  it('a 1 kB file declaring a 2^53-byte header is refused without the process growing', () => {
    const { path } = write('absurd.safetensors', { entries: [{ dtype: 'U8', shape: [8], data_offsets: [0, 8] }], lengthDelta: 1n << 53n }, 1024);
    const before = process.memoryUsage().arrayBuffers;
    const r = readEveryTensor(path);
    expectOneLine(r.error, path, /^CHECKPOINT_/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });
});
