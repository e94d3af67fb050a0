/**
 * llama2.c's exported checkpoint, the version-0 format its run.c reads: seven little-endian int32
 * `dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len` (a negative vocab_size
 * means the classifier is stored apart from the token embedding), then float32 tensors in run.c's
 * order, each one's layers stacked: token embedding, attention norms, wq, wk, wv, wo, ffn norms,
 * w1, w2, w3, final norm, two unused rotary tables, and the classifier when it is not shared.
 * Tensors are named as in llama2.c's model.py and stream from disk one layer at a time.
 */
import { closeSync } from 'node:fs';
import { LmbError } from '../../errors.js';
import { contiguousStrides, openForReading, openWeightFile, readExact, type TensorLayout } from './read.js';
import { numel, type WeightFile } from './tensor.js';

export const LLAMA2C_HEADER_BYTES = 28;
/** "ak42" read as a little-endian uint32: the magic of llama2.c's later export versions (1, 2). */
const LLAMA2C_MAGIC = 0x616b3432;

/** The header of a version-0 export, with vocab_size made positive. */
export interface Llama2cHeader {
  dim: number;
  hidden_dim: number;
  n_layers: number;
  n_heads: number;
  n_kv_heads: number;
  vocab_size: number;
  seq_len: number;
  /** False when the file's vocab_size was negative: `output.weight` follows the other tensors. */
  shared_classifier: boolean;
}

export interface Llama2cFile extends WeightFile {
  readonly header: Llama2cHeader;
}

const FIELDS = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'] as const;
// Far above any released llama2.c model; they keep random bytes from passing for a header.
const LIMITS = { dim: 1 << 16, hidden_dim: 1 << 18, n_layers: 1 << 10, n_heads: 1 << 10, n_kv_heads: 1 << 10, vocab_size: 1 << 22, seq_len: 1 << 20 };

function fieldsOf(head: Uint8Array): number[] {
  const view = new DataView(head.buffer, head.byteOffset, LLAMA2C_HEADER_BYTES);
  return FIELDS.map((_, i) => view.getInt32(4 * i, true));
}

/** Why seven int32 cannot be a version-0 header, or undefined when they can. */
function headerProblem(values: number[]): string | undefined {
  for (let i = 0; i < FIELDS.length; i++) {
    const v = FIELDS[i] === 'vocab_size' ? Math.abs(values[i]) : values[i];
    if (v < 1 || v > LIMITS[FIELDS[i]]) return `${FIELDS[i]} is ${values[i]}`;
  }
  const [dim, , , heads, kvHeads] = values;
  if (dim % heads !== 0) return `dim ${dim} is not a multiple of n_heads ${heads}`;
  if (kvHeads > heads) return `n_kv_heads ${kvHeads} exceeds n_heads ${heads}`;
  return undefined;
}

/** True when `head` (the file's first bytes) starts a llama2.c export of any version. */
export function looksLikeLlama2c(head: Uint8Array): boolean {
  if (head.length >= 4 && new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) === LLAMA2C_MAGIC) return true;
  return head.length >= LLAMA2C_HEADER_BYTES && headerProblem(fieldsOf(head)) === undefined;
}

function describe(h: Llama2cHeader): string {
  return `dim ${h.dim}, hidden_dim ${h.hidden_dim}, ${h.n_layers} layers, ${h.n_heads} heads, ${h.n_kv_heads} kv heads, ` +
    `vocab ${h.vocab_size} (${h.shared_classifier ? 'shared' : 'separate'} classifier), seq_len ${h.seq_len}`;
}

const REEXPORT = "Re-export the checkpoint with llama2.c's export.py --version 0, or re-download it";

/** Reads and validates the header; refuses llama2.c's quantized and later formats by name. */
export function parseLlama2cHeader(head: Uint8Array, path: string, size: number): Llama2cHeader {
  if (head.length >= 8) {
    const view = new DataView(head.buffer, head.byteOffset, 8);
    if (view.getUint32(0, true) === LLAMA2C_MAGIC) {
      const version = view.getInt32(4, true);
      const what = version === 2 ? 'int8-quantized (version 2)' : `version-${version}`;
      throw new LmbError('CHECKPOINT_UNSUPPORTED', `${path} is a llama2.c ${what} export; lm-behaviours reads only the float32 version-0 format`,
        "Export it with llama2.c's export.py --version 0 (float32, the format run.c reads)");
    }
  }
  if (size < LLAMA2C_HEADER_BYTES) {
    throw new LmbError('CHECKPOINT_CORRUPT', `${path} is ${size} bytes, shorter than a llama2.c header (${LLAMA2C_HEADER_BYTES} bytes)`, REEXPORT);
  }
  const values = fieldsOf(head);
  const problem = headerProblem(values);
  if (problem) {
    throw new LmbError('CHECKPOINT_CORRUPT', `${path} is not a llama2.c checkpoint: its header's ${problem}`,
      `Pass a llama2.c .bin (export.py --version 0), a checkpoint directory, or an .onnx file`);
  }
  const [dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab, seq_len] = values;
  return { dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size: Math.abs(vocab), seq_len, shared_classifier: vocab > 0 };
}

/** Where each tensor lies, in run.c's order, and the file size that order implies. */
function tensorLayouts(h: Llama2cHeader): { layouts: TensorLayout[]; bytes: number } {
  const { dim, hidden_dim: hidden, n_layers: layers, vocab_size: vocab } = h;
  const headSize = dim / h.n_heads;
  const kvDim = headSize * h.n_kv_heads;
  const layouts: TensorLayout[] = [];
  let at = LLAMA2C_HEADER_BYTES;
  const add = (name: string, shape: number[]) => {
    layouts.push({ name, dtype: 'F32', shape, stride: contiguousStrides(shape), base: at, offset: 0 });
    at += numel(shape) * 4;
  };
  const perLayer = (name: string, shape: number[]) => {
    for (let l = 0; l < layers; l++) add(`layers.${l}.${name}.weight`, shape);
  };
  add('tok_embeddings.weight', [vocab, dim]);
  perLayer('attention_norm', [dim]);
  perLayer('attention.wq', [dim, dim]);
  perLayer('attention.wk', [kvDim, dim]);
  perLayer('attention.wv', [kvDim, dim]);
  perLayer('attention.wo', [dim, dim]);
  perLayer('ffn_norm', [dim]);
  perLayer('feed_forward.w1', [hidden, dim]);
  perLayer('feed_forward.w2', [dim, hidden]);
  perLayer('feed_forward.w3', [hidden, dim]);
  add('norm.weight', [dim]);
  // freq_cis_real and freq_cis_imag: old exports' rotary tables, which run.c skips and recomputes.
  at += 2 * 4 * Math.floor((h.seq_len * headSize) / 2);
  if (!h.shared_classifier) add('output.weight', [vocab, dim]);
  return { layouts, bytes: at };
}

/** Opens a llama2.c version-0 `.bin`: the header becomes `header`, the weights named tensors. */
export function openLlama2cBin(path: string): Llama2cFile {
  return openWeightFile(path, (fd, size) => {
    const head = Buffer.alloc(Math.min(size, LLAMA2C_HEADER_BYTES));
    readExact(fd, path, head, 0);
    const header = parseLlama2cHeader(head, path, size);
    const { layouts, bytes } = tensorLayouts(header);
    if (size < bytes) {
      throw new LmbError('CHECKPOINT_CORRUPT',
        `${path} is ${size} bytes but its header (${describe(header)}) needs ${bytes}: the file is truncated or its header is wrong`, REEXPORT);
    }
    if (size > bytes) {
      throw new LmbError('CHECKPOINT_CORRUPT',
        `${path} is ${size} bytes but its header (${describe(header)}) accounts for only ${bytes}: the header disagrees with the weights`, REEXPORT);
    }
    return { layouts, extra: { header } };
  });
}

/** The header of a llama2.c `.bin`, after the file's size has been checked against it. */
export function readLlama2cHeader(path: string): Llama2cHeader {
  const file = openLlama2cBin(path);
  file.close();
  return file.header;
}

/** True when the file at `path` starts like a llama2.c export (tokenizer files do not). */
export function isLlama2cFile(path: string): boolean {
  const { fd, size } = openForReading(path);
  try {
    const head = Buffer.alloc(Math.min(size, LLAMA2C_HEADER_BYTES));
    readExact(fd, path, head, 0);
    return looksLikeLlama2c(head);
  } finally {
    closeSync(fd);
  }
}
