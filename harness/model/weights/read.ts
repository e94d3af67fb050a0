/**
 * Reads tensor elements from an open file into float32, a few MB at a time, so loading a
 * model never holds more than the caller's Float32Array plus one small chunk.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { LmbError } from '../../errors.js';
import { bf16ToF32, f16ToF32 } from './convert.js';
import { DTYPE_BYTES, numel, type DType, type TensorEntry, type WeightFile } from './tensor.js';

const CHUNK_BYTES = 4 << 20;
const LITTLE_ENDIAN = endianness() === 'LE';

/** Opens a weight file for reading; a missing path or a directory is the user's to fix. */
export function openForReading(path: string): { fd: number; size: number } {
  // Before opening: opening a FIFO (or a device) would wait for a writer forever.
  const kind = statSync(path, { throwIfNoEntry: false });
  if (kind && !kind.isFile()) {
    throw new LmbError('FILE_MISSING', `${path} is not a file`,
      'Pass the weights file inside the checkpoint folder (pytorch_model.bin or model.safetensors)');
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LmbError('FILE_MISSING', `Cannot open weights file ${path} (${code ?? String(err)})`,
      'Check the checkpoint path; weights are pytorch_model.bin or model.safetensors');
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new LmbError('FILE_MISSING', `${path} is not a file`,
      'Pass the weights file inside the checkpoint folder (pytorch_model.bin or model.safetensors)');
  }
  return { fd, size: stat.size };
}

/** Fills `dst` from `position` in `fd`, or throws: a short read means the file shrank. */
export function readExact(fd: number, path: string, dst: Uint8Array, position: number): void {
  let done = 0;
  while (done < dst.length) {
    const n = readSync(fd, dst, done, Math.min(dst.length - done, 1 << 30), position + done);
    if (n === 0) {
      throw new LmbError('CHECKPOINT_CORRUPT',
        `${path} ended at byte ${position + done} while reading ${dst.length} bytes at ${position}`,
        'The file is truncated: re-download the checkpoint');
    }
    done += n;
  }
}

/** Reads `count` elements of `dtype` starting at byte `position` into dst[dstOffset...]. */
export function readElements(
  fd: number, path: string, position: number, dtype: DType, count: number,
  dst: Float32Array, dstOffset = 0,
): void {
  if (!LITTLE_ENDIAN) {
    throw new LmbError('PLATFORM_UNSUPPORTED', 'Checkpoint readers need a little-endian CPU',
      'Run on x86-64 or arm64');
  }
  const size = DTYPE_BYTES[dtype];
  if (dtype === 'F32') {
    readExact(fd, path, new Uint8Array(dst.buffer, dst.byteOffset + dstOffset * 4, count * 4), position);
    return;
  }
  const perChunk = Math.floor(CHUNK_BYTES / size);
  // A fresh ArrayBuffer (not Buffer's pool) so the typed views below are aligned.
  const chunk = new ArrayBuffer(Math.min(count, perChunk) * size);
  for (let first = 0; first < count; first += perChunk) {
    const n = Math.min(perChunk, count - first);
    readExact(fd, path, new Uint8Array(chunk, 0, n * size), position + first * size);
    convertChunk(chunk, dtype, n, dst, dstOffset + first);
  }
}

function convertChunk(chunk: ArrayBuffer, dtype: DType, n: number, dst: Float32Array, at: number): void {
  switch (dtype) {
    case 'F16': return f16ToF32(new Uint16Array(chunk, 0, n), dst, at);
    case 'BF16': return bf16ToF32(new Uint16Array(chunk, 0, n), dst, at);
    case 'F64': return dst.set(new Float64Array(chunk, 0, n), at);
    case 'I32': return dst.set(new Int32Array(chunk, 0, n), at);
    case 'I16': return dst.set(new Int16Array(chunk, 0, n), at);
    case 'I8': return dst.set(new Int8Array(chunk, 0, n), at);
    case 'U8': return dst.set(new Uint8Array(chunk, 0, n), at);
    case 'F32': return dst.set(new Float32Array(chunk, 0, n), at);
    case 'BOOL': {
      const src = new Uint8Array(chunk, 0, n);
      for (let i = 0; i < n; i++) dst[at + i] = src[i] ? 1 : 0;
      return;
    }
    case 'I64': {
      const src = new BigInt64Array(chunk, 0, n);
      for (let i = 0; i < n; i++) dst[at + i] = Number(src[i]);
      return;
    }
  }
}

/** True when (shape, stride) lays the elements out row-major with no gaps. */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/**
 * Reads a strided view whose elements sit at storage indices offset + sum(i_d * stride_d),
 * with the storage starting at byte `base`. Strides are validated non-negative by callers.
 */
export function readStrided(
  fd: number, path: string, base: number, dtype: DType,
  shape: readonly number[], stride: readonly number[], offset: number, dst: Float32Array,
): void {
  const count = numel(shape);
  if (count === 0) return;
  const size = DTYPE_BYTES[dtype];
  if (isContiguous(shape, stride)) {
    readElements(fd, path, base + offset * size, dtype, count, dst);
    return;
  }
  let span = 1;
  for (let d = 0; d < shape.length; d++) span += (shape[d] - 1) * stride[d];
  // Read the covered span in windows and pick out the elements that fall in each window.
  // Permuted views (a transpose) fit in one window; a sparse view of a huge storage takes
  // several passes instead of one huge allocation.
  const window = Math.min(span, Math.max(2 * count, 1 << 20));
  const buf = new Float32Array(window);
  const index = new Array<number>(shape.length).fill(0);
  for (let start = 0; start < span; start += window) {
    const n = Math.min(window, span - start);
    readElements(fd, path, base + (offset + start) * size, dtype, n, buf);
    index.fill(0);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const rel = at - start;
      if (rel >= 0 && rel < n) dst[i] = buf[rel];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++index[d] < shape[d]) { at += stride[d]; break; }
        at -= (shape[d] - 1) * stride[d];
        index[d] = 0;
      }
    }
  }
}

/** Row-major strides for `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = step;
    step *= shape[d];
  }
  return stride;
}

/** What a reader knows about one tensor once its layout has been validated. */
export interface TensorLayout {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  /** Byte position of the tensor's storage in the file. */
  readonly base: number;
  /** Element offset of the tensor within its storage. */
  readonly offset: number;
}

/** A TensorEntry that reads its layout from `file` while `isOpen()` holds. */
export function tensorEntry(fd: number, path: string, layout: TensorLayout, isOpen: () => boolean): TensorEntry {
  const { name, dtype, shape, stride, base, offset } = layout;
  const count = numel(shape);
  const bytesAt = isContiguous(shape, stride) ? base + offset * DTYPE_BYTES[dtype] : undefined;
  return {
    name, dtype, shape, file: path, bytesAt,
    readInto(dst: Float32Array) {
      if (!isOpen()) throw new Error(`${path} was closed before reading "${name}"`);
      if (dst.length !== count) throw new RangeError(`"${name}" has ${count} elements; got a buffer of ${dst.length}`);
      readStrided(fd, path, base, dtype, shape, stride, offset, dst);
    },
  };
}

/**
 * Opens `path`, lets `parse` validate it and lay out its tensors, and returns the WeightFile
 * over them (with `parse`'s extra fields). The descriptor is closed on any error, and by close().
 */
export function openWeightFile<E extends object>(
  path: string,
  parse: (fd: number, size: number) => { layouts: readonly TensorLayout[]; extra: E },
): WeightFile & E {
  const { fd, size } = openForReading(path);
  try {
    const { layouts, extra } = parse(fd, size);
    let open = true;
    const tensors = new Map<string, TensorEntry>(layouts.map((l) => [l.name, tensorEntry(fd, path, l, () => open)]));
    return {
      ...extra,
      path,
      tensors,
      close() {
        if (open) closeSync(fd);
        open = false;
      },
    };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
