/**
 * Writes checkpoints laid out the way torch.save(state_dict) lays them out (PyTorch >= 1.6):
 * a zip of stored, 64-byte-aligned entries `<prefix>/data.pkl`, `<prefix>/data/<key>`,
 * `<prefix>/version`. Tensor data is streamed to disk a chunk at a time.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { f32ToBf16Bits, f32ToF16Bits } from '../../harness/model/weights/convert.js';

export interface TorchTensorSpec {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16' | 'BOOL';
  shape: number[];
  /** Float values (converted to dtype) or, for BOOL, 0/1 bytes. Ignored when shareWith is set. */
  data: Float32Array | Uint8Array;
  /** Use this other tensor's storage instead of writing data (HF ties lm_head to wte this way). */
  shareWith?: string;
  /** Store a matrix column-major, as the view `x.t()` of a contiguous [cols, rows] tensor (strides [1, rows]). */
  transposed?: boolean;
}

export interface ZipSource {
  name: string;
  /** Whole bytes, or chunks produced while writing (then `size` is not needed up front). */
  data: Uint8Array | (() => Iterable<Uint8Array>);
  /** 8 = deflate (only for whole-bytes entries); torch.save always stores (0). */
  method?: 0 | 8;
}

export interface ZipOptions {
  /** Write ZIP64 fields for every entry even when small (to exercise readers). */
  forceZip64?: boolean;
}

const MAX32 = 0xffffffff;

/** A zip written like PyTorch's writer: data descriptors, "FB" padding, ZIP64 end records. */
export function writeZip(path: string, sources: ZipSource[], options: ZipOptions = {}): void {
  const fd = openSync(path, 'w');
  let pos = 0;
  const put = (bytes: Uint8Array) => {
    for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, pos + done);
    pos += bytes.length;
  };
  const central: Buffer[] = [];
  try {
    for (const source of sources) {
      const name = Buffer.from(source.name);
      const method = source.method ?? 0;
      const offset = pos;
      const pad = (64 - ((offset + 30 + name.length + 4) % 64)) % 64;
      const local = Buffer.alloc(30 + name.length + 4 + pad, 'Z');
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(0, 4);
      local.writeUInt16LE(0x0808, 6); // sizes follow in a data descriptor; UTF-8 names
      local.writeUInt16LE(method, 8);
      local.fill(0, 10, 26);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(4 + pad, 28);
      name.copy(local, 30);
      local.write('FB', 30 + name.length, 'latin1');
      local.writeUInt16LE(pad, 30 + name.length + 2);
      put(local);

      let crc = 0;
      let size = 0;
      let stored = 0;
      if (method === 8 && typeof source.data === 'function') throw new Error('deflate needs whole-bytes data');
      const chunks = typeof source.data === 'function' ? source.data() : [source.data];
      for (const chunk of chunks) {
        crc = crc32(chunk, crc);
        size += chunk.length;
        const out = method === 8 ? deflateRawSync(chunk) : chunk;
        stored += out.length;
        put(out);
      }
      const big = size >= MAX32 || stored >= MAX32 || offset >= MAX32;
      const descriptor = Buffer.alloc(big ? 24 : 16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      if (big) {
        descriptor.writeBigUInt64LE(BigInt(stored), 8);
        descriptor.writeBigUInt64LE(BigInt(size), 16);
      } else {
        descriptor.writeUInt32LE(stored, 8);
        descriptor.writeUInt32LE(size, 12);
      }
      put(descriptor);

      const zip64 = big || options.forceZip64;
      const entry = Buffer.alloc(46 + name.length + (zip64 ? 28 : 0));
      entry.writeUInt32LE(0x02014b50, 0);
      entry.writeUInt16LE(zip64 ? 45 : 0, 6);
      entry.writeUInt16LE(0x0808, 8);
      entry.writeUInt16LE(method, 10);
      entry.writeUInt32LE(crc, 16);
      entry.writeUInt32LE(zip64 ? MAX32 : stored, 20);
      entry.writeUInt32LE(zip64 ? MAX32 : size, 24);
      entry.writeUInt16LE(name.length, 28);
      entry.writeUInt16LE(zip64 ? 28 : 0, 30);
      entry.writeUInt32LE(zip64 ? MAX32 : offset, 42);
      name.copy(entry, 46);
      if (zip64) {
        const extra = 46 + name.length;
        entry.writeUInt16LE(0x0001, extra);
        entry.writeUInt16LE(24, extra + 2);
        entry.writeBigUInt64LE(BigInt(size), extra + 4);
        entry.writeBigUInt64LE(BigInt(stored), extra + 12);
        entry.writeBigUInt64LE(BigInt(offset), extra + 20);
      }
      central.push(entry);
    }

    const dirOffset = pos;
    for (const entry of central) put(entry);
    const dirSize = pos - dirOffset;
    const record64At = pos;
    const end = Buffer.alloc(56 + 20 + 22);
    end.writeUInt32LE(0x06064b50, 0); // ZIP64 end of central directory record
    end.writeBigUInt64LE(44n, 4);
    end.writeUInt16LE(0x031e, 12);
    end.writeUInt16LE(45, 14);
    end.writeBigUInt64LE(BigInt(central.length), 24);
    end.writeBigUInt64LE(BigInt(central.length), 32);
    end.writeBigUInt64LE(BigInt(dirSize), 40);
    end.writeBigUInt64LE(BigInt(dirOffset), 48);
    end.writeUInt32LE(0x07064b50, 56); // ZIP64 locator
    end.writeBigUInt64LE(BigInt(record64At), 64);
    end.writeUInt32LE(1, 72);
    end.writeUInt32LE(0x06054b50, 76); // end of central directory
    const count16 = Math.min(central.length, 0xffff);
    end.writeUInt16LE(count16, 84);
    end.writeUInt16LE(count16, 86);
    end.writeUInt32LE(Math.min(dirSize, MAX32), 88);
    end.writeUInt32LE(Math.min(dirOffset, MAX32), 92);
    put(end);
  } finally {
    closeSync(fd);
  }
}

/** Python pickle protocol 2, just the opcodes a state dict needs, memoizing like pickle does. */
class PickleWriter {
  private parts: number[] = [];
  private memo = new Map<string, number>();

  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  private raw(bytes: Uint8Array): void {
    for (const b of bytes) this.parts.push(b);
  }
  private u32(n: number): void {
    this.op(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  }
  private memoize(key: string): void {
    const id = this.memo.size;
    this.memo.set(key, id);
    if (id < 256) this.op(0x71, id); // BINPUT
    else { this.op(0x72); this.u32(id); } // LONG_BINPUT
  }
  /** Emits a memo reference if `key` was seen; returns whether it did. */
  private recall(key: string): boolean {
    const id = this.memo.get(key);
    if (id === undefined) return false;
    if (id < 256) this.op(0x68, id); // BINGET
    else { this.op(0x6a); this.u32(id); } // LONG_BINGET
    return true;
  }
  global(module: string, name: string): this {
    if (this.recall(`global:${module}.${name}`)) return this;
    this.op(0x63);
    this.raw(Buffer.from(`${module}\n${name}\n`, 'latin1'));
    this.memoize(`global:${module}.${name}`);
    return this;
  }
  str(s: string): this {
    if (this.recall(`str:${s}`)) return this;
    const bytes = Buffer.from(s, 'utf8');
    this.op(0x58); // BINUNICODE
    this.u32(bytes.length);
    this.raw(bytes);
    this.memoize(`str:${s}`);
    return this;
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n); // BININT1
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 0xff, n >> 8); // BININT2
    if (n >= -(2 ** 31) && n < 2 ** 31) { this.op(0x4a); this.u32(n >>> 0); return this; } // BININT
    let v = BigInt(n);
    const bytes: number[] = [];
    while (v !== 0n && v !== -1n) { bytes.push(Number(v & 0xffn)); v >>= 8n; }
    if ((bytes[bytes.length - 1] & 0x80) !== (n < 0 ? 0x80 : 0)) bytes.push(n < 0 ? 0xff : 0);
    return this.op(0x8a, bytes.length, ...bytes); // LONG1
  }
  ints(values: readonly number[]): this {
    if (values.length === 0) return this.op(0x29);
    if (values.length > 3) this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(values.length > 3 ? 0x74 : 0x84 + values.length); // TUPLE or TUPLE1..3
  }
  emptyOrderedDict(): this {
    return this.global('collections', 'OrderedDict').op(0x29, 0x52); // EMPTY_TUPLE REDUCE
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const STORAGE_CLASS = { F32: 'FloatStorage', F16: 'HalfStorage', BF16: 'BFloat16Storage', BOOL: 'BoolStorage' } as const;
const CHUNK = 1 << 20;

/** The tensor's bytes as stored on disk, a chunk at a time. */
export function* encodeTensor(t: TorchTensorSpec): Iterable<Uint8Array> {
  const data = t.transposed ? transpose(t.data as Float32Array, t.shape) : t.data;
  if (t.dtype === 'BOOL' || t.dtype === 'F32') {
    if ((t.dtype === 'BOOL') !== (data instanceof Uint8Array)) throw new Error(`${t.name}: ${t.dtype} data has the wrong array type`);
    yield new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return;
  }
  if (!(data instanceof Float32Array)) throw new Error(`${t.name}: ${t.dtype} data must be a Float32Array`);
  const toBits = t.dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
  const bits = new Uint16Array(Math.min(CHUNK, data.length));
  for (let first = 0; first < data.length; first += CHUNK) {
    const n = Math.min(CHUNK, data.length - first);
    for (let i = 0; i < n; i++) bits[i] = toBits(data[first + i]);
    yield new Uint8Array(bits.buffer, 0, n * 2);
  }
}

function transpose(data: Float32Array, [rows, cols]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** Writes `tensors` as torch.save(state_dict) would; `prefix` defaults to the file's stem. */
export function writeTorchBin(path: string, tensors: TorchTensorSpec[], options: ZipOptions & { prefix?: string } = {}): void {
  const prefix = options.prefix ?? basename(path).replace(/\.[^.]*$/, '');
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const keys = new Map<string, string>(); // owning tensor name -> storage key
  for (const t of tensors) if (!t.shareWith) keys.set(t.name, String(keys.size));

  const p = new PickleWriter().op(0x80, 2).emptyOrderedDict().op(0x28); // PROTO 2, OrderedDict(), MARK
  for (const t of tensors) {
    const owner = t.shareWith ? byName.get(t.shareWith) : t;
    if (!owner || owner.shareWith) throw new Error(`${t.name} shares with unknown or shared tensor ${t.shareWith}`);
    if (owner.dtype !== t.dtype) throw new Error(`${t.name} and ${owner.name} have different dtypes`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    const ownerCount = owner.shape.reduce((a, b) => a * b, 1);
    if (owner === t && t.data.length !== count) throw new Error(`${t.name}: ${t.data.length} values for shape [${t.shape}]`);
    if (count > ownerCount) throw new Error(`${t.name} is larger than the storage it shares`);
    if (t.transposed && (t.shareWith || t.shape.length !== 2)) throw new Error(`${t.name}: only an unshared matrix can be stored transposed`);
    const stride = t.transposed ? [1, t.shape[0]] : t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(t.name).global('torch._utils', '_rebuild_tensor_v2').op(0x28); // MARK (args)
    p.op(0x28).str('storage').global('torch', STORAGE_CLASS[t.dtype]).str(keys.get(owner.name)!).str('cpu')
      .int(ownerCount).op(0x74, 0x51); // TUPLE BINPERSID
    p.int(0).ints(t.shape).ints(stride).op(0x89).emptyOrderedDict().op(0x74, 0x52); // NEWFALSE, hooks; TUPLE REDUCE
  }
  p.op(0x75); // SETITEMS
  // state_dict() carries a _metadata attribute, set through BUILD.
  p.op(0x7d).str('_metadata').emptyOrderedDict().op(0x28).str('').op(0x7d).str('version').int(1).op(0x73, 0x75, 0x73, 0x62);
  p.op(0x2e); // STOP

  // torch.save writes storages in sorted key order.
  const owners = [...keys].sort(([, a], [, b]) => (a < b ? -1 : 1));
  writeZip(path, [
    { name: `${prefix}/data.pkl`, data: p.bytes() },
    ...owners.map(([name, key]) => ({ name: `${prefix}/data/${key}`, data: () => encodeTensor(byName.get(name)!) })),
    { name: `${prefix}/version`, data: Buffer.from('3\n') },
  ], options);
}
