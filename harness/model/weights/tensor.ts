import { LmbError } from '../../errors.js';

/** Element types found in checkpoints, named as safetensors names them. */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Record<DType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** One named tensor in a weight file; its data stays on disk until read. */
export interface TensorEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** The file holding its bytes: the weight file itself, or one shard of a sharded checkpoint. */
  readonly file: string;
  /** Byte position of the tensor's row-major bytes in the file, when they lie there unbroken (not for strided views). */
  readonly bytesAt?: number;
  /** Reads the tensor into `dst` (length = product of shape), converting to float32. */
  readInto(dst: Float32Array): void;
}

/** The tensors of one weight file (or of a shard index's shards), open for reading until `close()`. */
export interface WeightFile {
  readonly path: string;
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  close(): void;
}

export function numel(shape: readonly number[]): number {
  // A zero dimension empties the tensor even when the others overflow to Infinity (Infinity * 0 is NaN).
  return shape.includes(0) ? 0 : shape.reduce((a, b) => a * b, 1);
}

/** Reads a whole tensor into a new Float32Array. */
export function readTensor(entry: TensorEntry): Float32Array {
  const out = new Float32Array(numel(entry.shape));
  entry.readInto(out);
  return out;
}

export function requireTensor(file: WeightFile, name: string): TensorEntry {
  const t = file.tensors.get(name);
  if (!t) {
    throw new LmbError('WEIGHT_MISSING', `${file.path} has no tensor "${name}"`,
      'Check that the checkpoint matches its config.json (architecture and layer count)');
  }
  return t;
}
