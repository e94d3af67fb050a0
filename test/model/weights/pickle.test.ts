import { describe, expect, it } from 'vitest';
import { PyCallable, unpickle } from '../../../harness/model/weights/pickle.js';
import { caught } from '../../support/errors.js';

/** Pickle bytes from a mix of opcode bytes and latin1 strings. */
function pk(...parts: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const ch of Buffer.from(p, 'latin1')) out.push(ch);
  }
  return Uint8Array.from(out);
}

const none = { file: 'x.bin', globals: new Map<string, unknown>() };

describe('unpickle values', () => {
  it('decodes scalars, strings and bytes into a list', () => {
    const data = pk(0x80, 2, ']', 'q', 0, '(',
      'K', 1, 'M', 0x00, 0x01, 'J', 0xff, 0xff, 0xff, 0xff, 0x8a, 1, 0x80,
      'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x88, 0x89, 'N',
      'X', 3, 0, 0, 0, 'h', 0xc3, 0xa9, 0x8c, 2, 'ab', 'C', 2, 'xy', 'e', '.');
    expect(unpickle(data, none)).toEqual([1, 256, -1, -128, 1.5, true, false, null, 'hé', 'ab', Uint8Array.of(120, 121)]);
  });

  it('decodes LONG1 beyond 2^53 as a bigint', () => {
    expect(unpickle(pk(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, '.'), none)).toBe(1n << 64n);
  });

  it('shares memoized objects (protocol 4: FRAME, MEMOIZE, BINGET)', () => {
    const data = pk(0x80, 4, 0x95, 7, 0, 0, 0, 0, 0, 0, 0, 'K', 1, 'K', 2, 0x86, 0x94, 'h', 0, 0x86, '.');
    const [a, b] = unpickle(data, none) as unknown[][];
    expect(a).toEqual([1, 2]);
    expect(b).toBe(a);
  });

  it('builds dicts and calls allow-listed globals only through REDUCE', () => {
    const calls: unknown[][] = [];
    const globals = new Map<string, unknown>([['m.f', new PyCallable('m.f', (args) => { calls.push([...args]); return 'made'; })]]);
    const data = pk(0x80, 2, '}', '(', 0x8c, 1, 'k', 'c', 'm\nf\n', 'K', 7, 0x85, 'R', 0x8c, 1, 'j', 'K', 3, 'u', '.');
    const dict = unpickle(data, { file: 'x.bin', globals }) as Map<string, unknown>;
    expect([...dict]).toEqual([['k', 'made'], ['j', 3]]);
    expect(calls).toEqual([[7]]);
  });

  it('resolves persistent ids through the callback', () => {
    const data = pk(0x80, 2, 0x8c, 7, 'storage', 'K', 5, 0x86, 'Q', '.');
    expect(unpickle(data, { ...none, persistentLoad: (pid) => ({ pid }) })).toEqual({ pid: ['storage', 5] });
  });
});

describe('unpickle refuses', () => {
  it('GLOBAL os.system, naming it in one line', () => {
    const data = pk(0x80, 2, 'c', 'os\nsystem\n', 'X', 9, 0, 0, 0, 'rm -rf ~/', 0x85, 'R', '.');
    const err = caught(() => unpickle(data, none));
    expect(err.code).toBe('CHECKPOINT_PICKLE_UNSAFE');
    expect(err.message).toBe('x.bin asks to call os.system, which a weights file never needs; refusing to load it');
    expect(err.oneLine()).not.toMatch(/\n/);
    expect(err.fix).toMatch(/state_dict/);
  });

  it('STACK_GLOBAL builtins.eval', () => {
    const data = pk(0x80, 4, 0x8c, 8, 'builtins', 0x94, 0x8c, 4, 'eval', 0x94, 0x93, 0x8c, 4, '1+1;', 0x85, 'R', '.');
    const err = caught(() => unpickle(data, none));
    expect(err.code).toBe('CHECKPOINT_PICKLE_UNSAFE');
    expect(err.message).toContain('builtins.eval');
  });

  it('calling an allowed global that is not a function', () => {
    const globals = new Map<string, unknown>([['torch.float32', { dtype: 'F32' }]]);
    const err = caught(() => unpickle(pk(0x80, 2, 'c', 'torch\nfloat32\n', ')', 'R', '.'), { file: 'x.bin', globals }));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.message).toMatch(/not callable/);
  });

  it.each([
    ['an unknown opcode (INST)', pk(0x80, 2, 'i', 'os\nsystem\n', '.'), /opcode 0x69/],
    ['stack underflow', pk(0x80, 2, 'R', '.'), /stack underflow/],
    ['popping through a MARK', pk(0x80, 2, 'K', 1, '(', 0x85, '.'), /stack underflow/],
    ['a memo miss', pk(0x80, 2, 'h', 5, '.'), /memo entry 5/],
    ['a string longer than the pickle', pk(0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, 'a', '.'), /runs past the end/],
    ['a missing STOP', pk(0x80, 2, 'K', 1), /runs past the end/],
    ['leftovers at STOP', pk(0x80, 2, 'K', 1, 'K', 2, '.'), /left on the stack/],
    ['a persistent id with no callback', pk(0x80, 2, 'K', 1, 'Q', '.'), /persistent id/],
    ['SETITEM on a list', pk(0x80, 2, ']', 'K', 1, 'K', 2, 's', '.'), /SETITEM on a list/],
  ])('%s', (_, data, message) => {
    const err = caught(() => unpickle(data, none));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.message).toMatch(message);
  });
});
