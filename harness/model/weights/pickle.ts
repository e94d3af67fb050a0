/**
 * A restricted unpickler for the pickles torch.save writes. It never runs code: GLOBAL names
 * resolve only through the caller's allow-list, and REDUCE/NEWOBJ call only the
 * `PyCallable`s that list hands out. Anything else is refused with an LmbError.
 * Python tuples arrive as frozen arrays, lists as arrays, dicts as Maps, sets as Sets.
 */
import { LmbError } from '../../errors.js';

/** A function the allow-list exposes to the pickle (e.g. torch._utils._rebuild_tensor_v2). */
export class PyCallable {
  constructor(readonly qualname: string, readonly call: (args: readonly unknown[]) => unknown) {}
}

/** An object a BUILD opcode may update; the state's shape is up to the object. */
export interface Buildable {
  setState(state: unknown): void;
}

/**
 * What a pickle may ask of the reader, far beyond what torch.save writes for any model (a state
 * dict's pickle holds a few thousand objects, integers of at most 8 bytes, a stack a few deep):
 * a hostile file of a few KB must fail at once, not run for minutes or exhaust memory.
 */
export const PICKLE_BUDGET = {
  /** Bytes of a LONG1/LONG4 integer (parsing one is quadratic in its length). */
  intBytes: 32,
  /** Items on the stack and marks, together. */
  stack: 1 << 20,
  /** Memo entries. */
  memo: 1 << 20,
} as const;

export interface UnpickleOptions {
  /** For messages: the checkpoint the pickle came from. */
  readonly file: string;
  /** 'module.name' -> value (a PyCallable for things the pickle may call). */
  readonly globals: ReadonlyMap<string, unknown>;
  /** Resolves BINPERSID ids (torch: ('storage', type, key, location, numel)). */
  readonly persistentLoad?: (pid: unknown) => unknown;
}


export function unsafeGlobal(file: string, module: string, name: string): LmbError {
  return new LmbError('CHECKPOINT_PICKLE_UNSAFE',
    `${file} asks to call ${module}.${name}, which a weights file never needs; refusing to load it`,
    'Only load checkpoints you trust; if you do trust it, re-save just the weights with '
    + 'torch.save(model.state_dict(), path) or convert it to safetensors');
}

export function unpickle(data: Uint8Array, options: UnpickleOptions): unknown {
  const { file } = options;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;

  const fail = (what: string): LmbError => new LmbError('CHECKPOINT_CORRUPT',
    `${file} has a damaged pickle: ${what} (at byte ${pos})`,
    'Re-download the checkpoint, or re-save it with torch.save(model.state_dict(), path)');
  const overBudget = (what: string): LmbError => new LmbError('CHECKPOINT_OVER_BUDGET',
    `${file}: its pickle ${what} (at byte ${pos}), far beyond what any saved state dict needs; refusing to read on`,
    'Only load checkpoints you trust; re-save the weights with torch.save(model.state_dict(), path) or convert them to safetensors');
  /** Throws once the stack and marks together would pass their budget. */
  const room = () => {
    if (stack.length + marks.length >= PICKLE_BUDGET.stack) throw overBudget(`stacks more than ${PICKLE_BUDGET.stack} items`);
  };
  const push = (value: unknown) => {
    room();
    stack.push(value);
  };
  const remember = (key: number, value: unknown) => {
    if (memo.size >= PICKLE_BUDGET.memo && !memo.has(key)) throw overBudget(`memoizes more than ${PICKLE_BUDGET.memo} objects`);
    memo.set(key, value);
  };
  const need = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > data.length) throw fail(`${n}-byte field runs past the end`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => data[need(1)];
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const u64 = () => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(`length ${v} is out of range`);
    return Number(v);
  };
  const text = (n: number, encoding: 'utf8' | 'latin1' = 'utf8') => {
    const at = need(n);
    return Buffer.from(data.buffer, data.byteOffset + at, n).toString(encoding);
  };
  const bytes = (n: number) => data.slice(need(n), pos);
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw fail('unterminated GLOBAL name');
    return text(end - pos + 1, 'latin1').slice(0, -1);
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) throw fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) throw fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const mark = marks.pop();
    if (mark === undefined) throw fail('no MARK to pop to');
    return stack.splice(mark);
  };
  const get = (key: number) => {
    if (!memo.has(key)) throw fail(`memo entry ${key} was never stored`);
    return memo.get(key);
  };
  const resolve = (module: string, name: string) => {
    const key = `${module}.${name}`;
    if (!options.globals.has(key)) throw unsafeGlobal(file, module, name);
    return options.globals.get(key);
  };
  const call = (fn: unknown, args: unknown) => {
    if (!(fn instanceof PyCallable)) throw fail(`tries to call ${describe(fn)}, which is not callable`);
    if (!Array.isArray(args)) throw fail(`calls ${fn.qualname} with non-tuple arguments`);
    return fn.call(args);
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof Map)) throw fail(`SETITEM on ${describe(dict)}`);
    if (items.length % 2) throw fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const append = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list) || Object.isFrozen(list)) throw fail(`APPEND on ${describe(list)}`);
    for (const item of items) list.push(item);
  };
  const long = (n: number) => {
    if (n > PICKLE_BUDGET.intBytes) throw overBudget(`holds a ${n}-byte integer, longer than ${PICKLE_BUDGET.intBytes} bytes`);
    return int(bytes(n));
  };
  const int = (bytes: Uint8Array) => {
    // LONG1/LONG4: little-endian two's complement.
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    if (bytes.length && bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: { const proto = u8(); if (proto > 5) throw fail(`unknown pickle protocol ${proto}`); break; } // PROTO
      case 0x95: u64(); break; // FRAME: only a read-ahead hint
      case 0x2e: { // STOP
        const result = pop();
        if (stack.length || marks.length) throw fail('data left on the stack at STOP');
        return result;
      }
      case 0x28: room(); marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(long(u8())); break; // LONG1
      case 0x8b: push(long(u32())); break; // LONG4
      case 0x47: push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x58: push(text(u32())); break; // BINUNICODE
      case 0x8c: push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: push(text(u64())); break; // BINUNICODE8
      case 0x54: push(text(u32(), 'latin1')); break; // BINSTRING (Python 2 str)
      case 0x55: push(text(u8(), 'latin1')); break; // SHORT_BINSTRING
      case 0x43: push(bytes(u8())); break; // SHORT_BINBYTES
      case 0x42: push(bytes(u32())); break; // BINBYTES
      case 0x8e: push(bytes(u64())); break; // BINBYTES8
      case 0x96: push(bytes(u64())); break; // BYTEARRAY8
      case 0x29: push(Object.freeze([])); break; // EMPTY_TUPLE
      case 0x74: push(Object.freeze(popMark())); break; // TUPLE
      case 0x85: push(Object.freeze([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); push(Object.freeze([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(Object.freeze([a, b, c])); break; } // TUPLE3
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x6c: push(popMark()); break; // LIST
      case 0x61: { const item = pop(); append(top(), [item]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x64: { const dict = new Map(); setItems(dict, popMark()); push(dict); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x8f: push(new Set()); break; // EMPTY_SET
      case 0x90: { // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) throw fail(`ADDITEMS on ${describe(set)}`);
        for (const item of items) set.add(item);
        break;
      }
      case 0x91: push(new Set(popMark())); break; // FROZENSET
      case 0x71: remember(u8(), top()); break; // BINPUT
      case 0x72: remember(u32(), top()); break; // LONG_BINPUT
      case 0x94: remember(memo.size, top()); break; // MEMOIZE
      case 0x68: push(get(u8())); break; // BINGET
      case 0x6a: push(get(u32())); break; // LONG_BINGET
      case 0x63: { const module = line(); push(resolve(module, line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw fail('STACK_GLOBAL with non-string names');
        push(resolve(module, name));
        break;
      }
      case 0x52: { const args = pop(); push(call(pop(), args)); break; } // REDUCE
      case 0x81: { const args = pop(); push(call(pop(), args)); break; } // NEWOBJ: cls.__new__(cls, *args)
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        if (!(kwargs instanceof Map) || kwargs.size) throw fail('NEWOBJ_EX with keyword arguments');
        push(call(pop(), args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        if (target instanceof Map) break; // OrderedDict attributes (state_dict._metadata): unused
        if (typeof target !== 'object' || target === null || typeof (target as Partial<Buildable>).setState !== 'function') {
          throw fail(`BUILD on ${describe(target)}`);
        }
        (target as Buildable).setState(state);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) throw fail('persistent id in a pickle that allows none');
        push(options.persistentLoad(pid));
        break;
      }
      default:
        throw fail(`opcode 0x${op.toString(16).padStart(2, '0')} is not one torch.save writes`);
    }
  }
}

function describe(value: unknown): string {
  if (value instanceof PyCallable) return value.qualname;
  if (value === null) return 'None';
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'a tuple' : 'a list';
  if (value instanceof Map) return 'a dict';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
