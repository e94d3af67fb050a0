/**
 * A minimal read-only ZIP reader over a file descriptor, enough for PyTorch checkpoints:
 * entries are located through the central directory (ZIP64 included) and every offset
 * and size is checked against the file before it is used.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { LmbError } from '../../errors.js';
import { readExact } from './read.js';

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
  /** Where the entry's (possibly compressed) bytes start. */
  readonly dataOffset: number;
}

export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** Reads a small entry whole (inflating it if needed) and checks its CRC. */
  readWhole(entry: ZipEntry, maxBytes: number): Uint8Array;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_DIRECTORY_BYTES = 64 << 20;

export function corrupt(path: string, what: string): LmbError {
  return new LmbError('CHECKPOINT_CORRUPT', `${path} is not a valid checkpoint: ${what}`,
    'The file is damaged or incomplete: re-download the checkpoint (and check its size or hash)');
}

function read(fd: number, path: string, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  readExact(fd, path, buf, position);
  return buf;
}

function u64(buf: Buffer, at: number, path: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(path, `64-bit field ${v} is out of range`);
  return Number(v);
}

export function openZip(fd: number, path: string, fileSize: number): ZipArchive {
  if (fileSize < 22) throw corrupt(path, `only ${fileSize} bytes, too short for a zip archive`);
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = read(fd, path, fileSize - tailLength, tailLength);
  let eocd = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG && i + 22 + tail.readUInt16LE(i + 20) === tailLength) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(path, 'no end-of-central-directory record (the file is probably truncated)');
  const eocdAt = fileSize - tailLength + eocd;
  let count = tail.readUInt16LE(eocd + 10);
  let dirSize = tail.readUInt32LE(eocd + 12);
  let dirOffset = tail.readUInt32LE(eocd + 16);
  let dirEnd = eocdAt;
  if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0) {
    throw corrupt(path, 'multi-part zip archives are not supported');
  }
  // PyTorch always writes the ZIP64 locator and record, whatever the size.
  if (eocd >= 20 && tail.readUInt32LE(eocd - 20) === ZIP64_LOCATOR_SIG) {
    const recordAt = u64(tail, eocd - 20 + 8, path);
    if (recordAt + 56 > eocdAt - 20) throw corrupt(path, 'ZIP64 end record offset out of range');
    const record = read(fd, path, recordAt, 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw corrupt(path, 'bad ZIP64 end record signature');
    count = u64(record, 32, path);
    dirSize = u64(record, 40, path);
    dirOffset = u64(record, 48, path);
    dirEnd = recordAt;
  }
  if (dirOffset + dirSize > dirEnd) throw corrupt(path, 'central directory extends past its end record');
  if (dirSize > MAX_DIRECTORY_BYTES) throw corrupt(path, `central directory of ${dirSize} bytes is implausibly large`);
  if (count > dirSize / 46) throw corrupt(path, `${count} entries cannot fit in a ${dirSize}-byte directory`);

  const dir = read(fd, path, dirOffset, dirSize);
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > dirSize || dir.readUInt32LE(at) !== CENTRAL_SIG) {
      throw corrupt(path, `central directory entry ${i} is damaged`);
    }
    const flags = dir.readUInt16LE(at + 8);
    const method = dir.readUInt16LE(at + 10);
    const crc = dir.readUInt32LE(at + 16);
    let compressedSize = dir.readUInt32LE(at + 20);
    let uncompressedSize = dir.readUInt32LE(at + 24);
    const nameLength = dir.readUInt16LE(at + 28);
    const extraLength = dir.readUInt16LE(at + 30);
    const commentLength = dir.readUInt16LE(at + 32);
    let localHeaderOffset = dir.readUInt32LE(at + 42);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > dirSize) throw corrupt(path, `central directory entry ${i} runs past the directory`);
    const name = dir.toString('utf8', at + 46, at + 46 + nameLength);
    // ZIP64 extra field: the 64-bit values present are those whose 32-bit field is saturated.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = dir.readUInt16LE(extra);
      const size = dir.readUInt16LE(extra + 2);
      if (extra + 4 + size > extraEnd) throw corrupt(path, `bad extra field in entry "${name}"`);
      if (id === 0x0001) {
        let field = extra + 4;
        const take = (): number => {
          if (field + 8 > extra + 4 + size) throw corrupt(path, `short ZIP64 field in entry "${name}"`);
          const v = u64(dir, field, path);
          field += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      extra += 4 + size;
    }
    if (flags & 1) throw corrupt(path, `entry "${name}" is encrypted`);
    if (entries.has(name)) throw corrupt(path, `entry "${name}" appears twice`);
    if (method === 0 && compressedSize !== uncompressedSize) {
      throw corrupt(path, `stored entry "${name}" has different compressed and uncompressed sizes`);
    }
    if (localHeaderOffset + 30 > dirOffset) throw corrupt(path, `entry "${name}" starts outside the file data`);
    entries.set(name, { name, method, compressedSize, uncompressedSize, crc32: crc, localHeaderOffset, dataOffset: -1 });
    at = next;
  }
  if (at !== dirSize) throw corrupt(path, 'central directory size does not match its entries');

  // Resolve each data offset from its local header, then check that entries do not overlap.
  const resolved = [...entries.values()].map((e) => {
    const local = read(fd, path, e.localHeaderOffset, 30);
    const nameLength = local.readUInt16LE(26);
    if (local.readUInt32LE(0) !== LOCAL_SIG || nameLength !== Buffer.byteLength(e.name)) {
      throw corrupt(path, `local header of entry "${e.name}" is damaged`);
    }
    if (read(fd, path, e.localHeaderOffset + 30, nameLength).toString('utf8') !== e.name) {
      throw corrupt(path, `local header of entry "${e.name}" names another file`);
    }
    const dataOffset = e.localHeaderOffset + 30 + nameLength + local.readUInt16LE(28);
    if (dataOffset + e.compressedSize > dirOffset) throw corrupt(path, `entry "${e.name}" runs past the file data`);
    const entry: ZipEntry = { ...e, dataOffset };
    entries.set(e.name, entry);
    return entry;
  }).sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < resolved.length; i++) {
    const prev = resolved[i - 1];
    if (prev.dataOffset + prev.compressedSize > resolved[i].localHeaderOffset) {
      throw corrupt(path, `entries "${prev.name}" and "${resolved[i].name}" overlap`);
    }
  }

  return {
    entries,
    readWhole(entry, maxBytes) {
      if (entry.uncompressedSize > maxBytes || entry.compressedSize > maxBytes) {
        throw corrupt(path, `entry "${entry.name}" is ${entry.uncompressedSize} bytes, over the ${maxBytes}-byte limit`);
      }
      let data: Uint8Array = read(fd, path, entry.dataOffset, entry.compressedSize);
      if (entry.method === 8) {
        try {
          data = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
        } catch {
          throw corrupt(path, `entry "${entry.name}" does not inflate`);
        }
        if (data.length !== entry.uncompressedSize) throw corrupt(path, `entry "${entry.name}" inflates to the wrong size`);
      } else if (entry.method !== 0) {
        throw corrupt(path, `entry "${entry.name}" uses unsupported compression method ${entry.method}`);
      }
      if (crc32(data) !== entry.crc32) throw corrupt(path, `entry "${entry.name}" fails its CRC check`);
      return data;
    },
  };
}
