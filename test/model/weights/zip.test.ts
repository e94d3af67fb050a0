import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openZip, type ZipArchive } from '../../../harness/model/weights/zip.js';
import { writeZip } from '../../support/write-torch-bin.js';
import { caught } from '../../support/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'lmb-zip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pkl = Buffer.from('pretend pickle bytes '.repeat(20));
const blob = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

function withZip<T>(path: string, fn: (zip: ZipArchive) => T): T {
  const fd = openSync(path, 'r');
  try {
    return fn(openZip(fd, path, statSync(path).size));
  } finally {
    closeSync(fd);
  }
}

function write(name: string, options = {}): string {
  const path = join(dir, name);
  writeZip(path, [
    { name: 'a/data.pkl', data: pkl, method: 8 },
    { name: 'a/data/0', data: () => [blob.subarray(0, 300), blob.subarray(300)] },
    { name: 'a/version', data: Buffer.from('3\n') },
  ], options);
  return path;
}

/** Where the central directory starts, from the plain end record. */
function directoryOffset(bytes: Buffer): number {
  return bytes.readUInt32LE(bytes.length - 22 + 16);
}

describe('openZip', () => {
  it.each([['plain', {}], ['ZIP64 fields', { forceZip64: true }]])('lists entries and reads them (%s)', (_, options) => {
    const path = write(`ok-${_}.zip`, options);
    withZip(path, (zip) => {
      expect([...zip.entries.keys()]).toEqual(['a/data.pkl', 'a/data/0', 'a/version']);
      const data = zip.entries.get('a/data/0')!;
      expect(data).toMatchObject({ method: 0, compressedSize: 1000, uncompressedSize: 1000 });
      expect(data.dataOffset % 64).toBe(0);
      expect(readFileSync(path).subarray(data.dataOffset, data.dataOffset + 1000)).toEqual(Buffer.from(blob));
      expect(zip.entries.get('a/data.pkl')!.method).toBe(8);
      expect(Buffer.from(zip.readWhole(zip.entries.get('a/data.pkl')!, 1 << 20))).toEqual(pkl);
      expect(Buffer.from(zip.readWhole(zip.entries.get('a/version')!, 16)).toString()).toBe('3\n');
    });
  });

  it('refuses to read an entry over the size limit', () => {
    withZip(write('limit.zip'), (zip) => {
      expect(caught(() => zip.readWhole(zip.entries.get('a/data/0')!, 999)).message).toMatch(/over the 999-byte limit/);
    });
  });

  it('detects a flipped byte in an entry through its CRC', () => {
    const path = write('crc.zip');
    const bytes = readFileSync(path);
    const offset = withZip(path, (zip) => zip.entries.get('a/version')!.dataOffset);
    bytes[offset] ^= 1;
    writeFileSync(path, bytes);
    withZip(path, (zip) => {
      const err = caught(() => zip.readWhole(zip.entries.get('a/version')!, 16));
      expect(err.code).toBe('CHECKPOINT_CORRUPT');
      expect(err.message).toMatch(/CRC/);
    });
  });

  it('rejects a truncated archive', () => {
    const path = write('trunc.zip');
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 30));
    const err = caught(() => withZip(path, () => 0));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.message).toMatch(/end-of-central-directory/);
    expect(err.fix).toMatch(/re-download/);
  });

  it.each([
    ['the entry signature', 0, /entry 0 is damaged/],
    ['a name byte', 46 + 3, /names another file/],
    ['the high byte of the local header offset', 45, /outside the file data/],
  ])('rejects a central directory with a flipped bit in %s', (_what, at, message) => {
    const path = write(`flip-${at}.zip`);
    const bytes = readFileSync(path);
    bytes[directoryOffset(bytes) + at] ^= 0x10;
    writeFileSync(path, bytes);
    const err = caught(() => withZip(path, () => 0));
    expect(err.code).toBe('CHECKPOINT_CORRUPT');
    expect(err.message).toMatch(message);
  });

  it('rejects entries whose data overlap', () => {
    const path = write('overlap.zip');
    const bytes = readFileSync(path);
    // Grow the second (stored) entry's sizes so its data runs into the next header.
    let at = directoryOffset(bytes);
    at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30);
    bytes.writeUInt32LE(1100, at + 20);
    bytes.writeUInt32LE(1100, at + 24);
    writeFileSync(path, bytes);
    const err = caught(() => withZip(path, () => 0));
    expect(err.message).toMatch(/"a\/data\/0" and "a\/version" overlap/);
  });

  it('rejects a file too short to be a zip', () => {
    const path = join(dir, 'tiny.zip');
    writeFileSync(path, 'PK\x03\x04');
    expect(caught(() => withZip(path, () => 0)).code).toBe('CHECKPOINT_CORRUPT');
  });
});
