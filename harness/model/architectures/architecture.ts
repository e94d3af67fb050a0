import type { z } from 'zod';
import { LmbError } from '../../errors.js';
import type { Kernels } from '../onnx/blocks.js';
import type { BuiltModel, FileSpan, GraphBuilder } from '../onnx/graph.js';
import { readTensor, type TensorEntry, type WeightFile } from '../weights/tensor.js';

export interface GraphOptions {
  /** Also output every layer's attention probabilities as `attention_<layer>` [B, H, T, T]. */
  attentions: boolean;
  /**
   * Take a key/value cache and return the updated one, for decoding a token at a time and
   * scoring continuations of a shared context (inputs and outputs in onnx/blocks.ts).
   */
  cache: boolean;
  /** Kernel choices of the provider the graph is built for (runtime/session.ts's PROVIDER_KERNELS). */
  kernels: Kernels;
}

/** Everything the runtime needs to know about one model family; one file per architecture. */
export interface Architecture<C> {
  readonly name: string;
  readonly configSchema: z.ZodType<C>;
  contextLength(config: C): number;
  vocabSize(config: C): number;
  layers(config: C): number;
  heads(config: C): number;
  /** What one layer caches per token: key/value heads and their size. */
  cacheShape(config: C): { kvHeads: number; headDim: number };
  /** Throws CONFIG_MISMATCH when a tensor is missing or its shape disagrees with the config. */
  checkWeights(config: C, weights: WeightFile): void;
  buildGraph(config: C, weights: WeightFile, options: GraphOptions): BuiltModel;
}

/** A tensor a config implies: its name, its shape, and the config fields that decide the shape. */
export type ExpectedTensor = [name: string, shape: number[], fields: string[]];

/** The first tensor of the layer after the config's last one, which the weights must not have. */
export interface LayerBeyond {
  tensor: string;
  /** The layer as messages name it (`h.12`). */
  label: string;
  /** The config field that counts layers. */
  field: string;
}

/**
 * Throws CONFIG_MISMATCH at the first expected tensor that is missing or shaped differently,
 * naming the config fields behind it, or when the weights hold a layer beyond the config's last
 * (a config describing fewer layers would silently truncate the model). `where` is what the user
 * calls the config.
 */
export function checkShapes<C>(file: WeightFile, where: string, config: C, expected: Iterable<ExpectedTensor>,
  find: (name: string) => TensorEntry | undefined, beyond: LayerBeyond): void {
  const fix = `Use the ${where.replace(/^the /, '')} saved with these weights`;
  const values = (fields: string[]) => fields.map((f) => `${f} ${(config as Record<string, unknown>)[f]}`).join(', ');
  for (const [name, shape, fields] of expected) {
    const t = find(name);
    if (!t) {
      throw new LmbError('CONFIG_MISMATCH', `${file.path} has no tensor "${name}" although ${where} implies it (${values(fields)})`, fix);
    }
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new LmbError('CONFIG_MISMATCH', `${file.path}: tensor "${t.name}" has shape [${t.shape}] but ${where} implies [${shape}] (${values(fields)})`, fix);
    }
  }
  if (find(beyond.tensor)) {
    throw new LmbError('CONFIG_MISMATCH', `${file.path} has a layer ${beyond.label} although ${where} says ${values([beyond.field])}`, fix);
  }
}

const SPAN_TYPES: Partial<Record<TensorEntry['dtype'], FileSpan['type']>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/**
 * A checkpoint tensor as a float32 weight of the graph, optionally transposed (a stored [out, in]
 * matrix as MatMul's [in, out]). Where its bytes lie unbroken in the file, the session reads
 * them there; otherwise they are converted and written with the graph.
 */
export function checkpointWeight(g: GraphBuilder, name: string, t: TensorEntry, opts: { transpose?: boolean } = {}): string {
  const type = SPAN_TYPES[t.dtype];
  const span = type && t.bytesAt !== undefined ? { file: t.file, offset: t.bytesAt, type, dims: [...t.shape], transpose: opts.transpose } : undefined;
  if (!opts.transpose) return g.weight(name, [...t.shape], (dst) => t.readInto(dst), span);
  const [rows, cols] = t.shape;
  return g.weight(name, [cols, rows], (dst) => {
    const src = readTensor(t);
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) dst[k * rows + r] = src[r * cols + k];
  }, span);
}
