/**
 * safetensors: an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {...}}, then the data.
 */
import { LmbError } from '../../errors.js';
import { contiguousStrides, openWeightFile, readExact, type TensorLayout } from './read.js';
import { DTYPE_BYTES, numel, type DType, type WeightFile } from './tensor.js';

/** The safetensors format itself caps the header at 100 MB. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsFile extends WeightFile {
  readonly metadata: Readonly<Record<string, string>>;
}

function corrupt(path: string, what: string): LmbError {
  return new LmbError('CHECKPOINT_CORRUPT', `${path} is not a valid safetensors file: ${what}`,
    'The file is damaged or incomplete: re-download the checkpoint (and check its size or hash)');
}

export function openSafetensors(path: string): SafetensorsFile {
  return openWeightFile(path, (fd, size) => {
    if (size < 8) throw corrupt(path, `only ${size} bytes, too short for a header`);
    const prefix = Buffer.alloc(8);
    readExact(fd, path, prefix, 0);
    const declared = prefix.readBigUInt64LE(0);
    // Checked before anything is allocated for it: the length comes from the file.
    if (declared > BigInt(Math.min(size - 8, MAX_HEADER_BYTES))) {
      throw corrupt(path, `header length ${declared} exceeds the file (${size} bytes) or the 100 MB limit`);
    }
    const headerLength = Number(declared);
    const raw = Buffer.alloc(headerLength);
    readExact(fd, path, raw, 8);
    const dataStart = 8 + headerLength;
    const { layouts, metadata } = parseHeader(path, raw, dataStart, size - dataStart);
    return { layouts, extra: { metadata } };
  });
}

function parseHeader(path: string, raw: Buffer, dataStart: number, dataSize: number) {
  let header: unknown;
  try {
    header = JSON.parse(raw.toString('utf8'));
  } catch {
    throw corrupt(path, 'the header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corrupt(path, 'the header is not a JSON object');
  const metadata: Record<string, string> = {};
  const layouts: (TensorLayout & { begin: number; end: number })[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null) throw corrupt(path, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') throw corrupt(path, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (info ?? {}) as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
      throw new LmbError('CHECKPOINT_UNSUPPORTED', `${path}: tensor "${name}" has dtype ${String(dtype)}, which is not supported`,
        `Convert the checkpoint to one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) throw corrupt(path, `tensor "${name}" has a malformed shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw corrupt(path, `tensor "${name}" has malformed data_offsets`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > dataSize) {
      throw corrupt(path, `tensor "${name}" data [${begin}, ${end}) lies outside the ${dataSize}-byte data section`);
    }
    const bytes = numel(shape) * DTYPE_BYTES[dtype as DType];
    if (end - begin !== bytes) {
      throw corrupt(path, `tensor "${name}" of shape [${shape}] ${dtype} needs ${bytes} bytes, not ${end - begin}`);
    }
    layouts.push({
      name, dtype: dtype as DType, shape, stride: contiguousStrides(shape), base: dataStart + begin, offset: 0, begin, end,
    });
  }
  const sorted = [...layouts].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw corrupt(path, `tensors "${sorted[i - 1].name}" and "${sorted[i].name}" overlap`);
    }
  }
  return { layouts, metadata };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
