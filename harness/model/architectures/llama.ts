/**
 * Llama as llama2.c defines it (run.c, model.py): RMSNorm, rotary embeddings on consecutive pairs
 * of each head's dimensions, grouped-query attention and a SwiGLU feed-forward, with llama2.c's
 * config names and model.py's tensor names. Hugging Face Llama checkpoints name both differently
 * and rotate the two halves of each head instead of pairs; they are not read here.
 */
import { z } from 'zod';
import { GraphBuilder, type BuiltModel } from '../onnx/graph.js';
import {
  activation, cachedCausalMask, causalAttention, causalMask, logprobOutputs, mergeHeads, newTokenOutputs, pastInputs,
  rotaryTables, splitHeads, tokenInputs,
} from '../onnx/blocks.js';
import type { WeightFile } from '../weights/tensor.js';
import { checkShapes, checkpointWeight, type Architecture, type ExpectedTensor, type GraphOptions } from './architecture.js';

/** run.c's Config, which a llama2.c `.bin` header holds, plus the constants run.c hard-codes. */
const LlamaConfig = z.object({
  dim: z.number().int().positive(),
  hidden_dim: z.number().int().positive(),
  n_layers: z.number().int().positive(),
  n_heads: z.number().int().positive(),
  n_kv_heads: z.number().int().positive(),
  vocab_size: z.number().int().positive(),
  seq_len: z.number().int().positive(),
  shared_classifier: z.boolean().default(true),
  norm_eps: z.number().positive().default(1e-5),
  rope_theta: z.number().positive().default(10000),
})
  .refine((c) => c.dim % c.n_heads === 0, { message: 'must divide dim evenly', path: ['n_heads'] })
  .refine((c) => c.n_heads % c.n_kv_heads === 0, { message: 'must divide n_heads evenly', path: ['n_kv_heads'] })
  .refine((c) => (c.dim / c.n_heads) % 2 === 0, { message: 'must leave an even head size for rotary pairs', path: ['n_heads'] });
export type LlamaConfig = z.infer<typeof LlamaConfig>;

/** Each tensor the config implies, layer by layer (see gpt2.ts), with the fields behind its shape. */
function* expectedShapes(c: LlamaConfig): Generator<ExpectedTensor> {
  const d = c.dim;
  const kvDim = (d / c.n_heads) * c.n_kv_heads;
  yield ['tok_embeddings.weight', [c.vocab_size, d], ['vocab_size', 'dim']];
  yield ['norm.weight', [d], ['dim']];
  if (!c.shared_classifier) yield ['output.weight', [c.vocab_size, d], ['shared_classifier', 'vocab_size', 'dim']];
  const layer = ['n_layers', 'dim'];
  const kv = ['n_layers', 'dim', 'n_heads', 'n_kv_heads'];
  const ffn = ['n_layers', 'dim', 'hidden_dim'];
  for (let l = 0; l < c.n_layers; l++) {
    const p = `layers.${l}.`;
    yield [`${p}attention_norm.weight`, [d], layer];
    yield [`${p}attention.wq.weight`, [d, d], layer];
    yield [`${p}attention.wk.weight`, [kvDim, d], kv];
    yield [`${p}attention.wv.weight`, [kvDim, d], kv];
    yield [`${p}attention.wo.weight`, [d, d], layer];
    yield [`${p}ffn_norm.weight`, [d], layer];
    yield [`${p}feed_forward.w1.weight`, [c.hidden_dim, d], ffn];
    yield [`${p}feed_forward.w2.weight`, [d, c.hidden_dim], ffn];
    yield [`${p}feed_forward.w3.weight`, [c.hidden_dim, d], ffn];
  }
}

function checkWeights(c: LlamaConfig, file: WeightFile): void {
  checkShapes(file, 'the config', c, expectedShapes(c), (name) => file.tensors.get(name),
    { tensor: `layers.${c.n_layers}.attention_norm.weight`, label: String(c.n_layers), field: 'n_layers' });
}

/**
 * cos and sin of every position's rotary angles, broadcastable against [B, H, T, headSize / 2, 1]:
 * [T, headSize / 2, 1] from positions [T], or [B, 1, T, headSize / 2, 1] from positions [B, T].
 * As run.c computes them: float32 frequencies `1.0f / powf(theta, i / (float)head_size)`, the
 * float32 angle `pos * freq`, its cosf and sinf.
 */
function rotaryAngles(g: GraphBuilder, positionIds: string, perRow: boolean, headSize: number, theta: number, seqLen: number): { cos: string; sin: string } {
  const freqs = Array.from({ length: headSize / 2 }, (_, j) => Math.fround(1 / Math.fround(theta ** Math.fround((2 * j) / headSize))));
  const angles = Array.from({ length: seqLen }, (_, pos) => freqs.map((f) => Math.fround(pos * f))).flat();
  return rotaryTables(g, angles, [seqLen, headSize / 2], positionIds, perRow ? [1, 4] : [2]);
}

/** Rotates each pair of dimensions (2j, 2j + 1) of every head of x [B, H, T, headSize]. */
function rotate(g: GraphBuilder, x: string, rope: { cos: string; sin: string }, headSize: number): string {
  const pairs = g.op('Reshape', [x, g.int64s([0, 0, 0, headSize / 2, 2])]);
  const [even, odd] = g.opN('Split', [pairs, g.int64s([1, 1])], 2, { axis: -1 });
  const mul = (a: string, b: string) => g.op('Mul', [a, b]);
  const first = g.op('Sub', [mul(even, rope.cos), mul(odd, rope.sin)]);
  const second = g.op('Add', [mul(even, rope.sin), mul(odd, rope.cos)]);
  return g.op('Reshape', [g.op('Concat', [first, second], { axis: -1 }), g.int64s([0, 0, 0, headSize])]);
}

function buildGraph(c: LlamaConfig, file: WeightFile, opts: GraphOptions): BuiltModel {
  const g = new GraphBuilder();
  const tensor = (name: string) => file.tensors.get(name)!;
  const w = (name: string) => checkpointWeight(g, name, tensor(name));
  // Linear weights are stored [out, in], as PyTorch keeps them; MatMul takes them [in, out].
  const linear = (x: string, name: string) => g.op('MatMul', [x, checkpointWeight(g, name, tensor(name), { transpose: true })]);
  const rmsNorm = (x: string, name: string) => {
    const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    const scale = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [meanSquare, g.floats([c.norm_eps], [])])])]);
    return g.op('Mul', [g.op('Mul', [x, scale]), w(name)]);
  };

  const heads = c.n_heads;
  const headSize = c.dim / heads;
  const { ids, targets, scored, seqLen, positionIds, attentionMask } = tokenInputs(g, opts.cache);
  const embedding = w('tok_embeddings.weight');
  let h = g.op('Gather', [embedding, ids]);
  const mask = attentionMask ? cachedCausalMask(g, seqLen, attentionMask) : causalMask(g, seqLen);
  const rope = rotaryAngles(g, positionIds, opts.cache, headSize, c.rope_theta, c.seq_len);

  for (let l = 0; l < c.n_layers; l++) {
    const p = `layers.${l}.`;
    const x = rmsNorm(h, `${p}attention_norm.weight`);
    const q = rotate(g, splitHeads(g, linear(x, `${p}attention.wq.weight`), heads, headSize), rope, headSize);
    const k = rotate(g, splitHeads(g, linear(x, `${p}attention.wk.weight`), c.n_kv_heads, headSize), rope, headSize);
    const v = splitHeads(g, linear(x, `${p}attention.wv.weight`), c.n_kv_heads, headSize);
    const past = opts.cache ? pastInputs(g, l, c.n_kv_heads, headSize) : undefined;
    if (past) newTokenOutputs(g, l, k, v, c.n_kv_heads, headSize);
    const { context, probs } = causalAttention(g, q, k, v, { scale: 1 / Math.sqrt(headSize), mask, heads, kvHeads: c.n_kv_heads, past });
    if (opts.attentions) {
      g.alias(probs, `attention_${l}`);
      g.output(`attention_${l}`, 'float32', ['batch', heads, 'seq', opts.cache ? 'total' : 'seq']);
    }
    h = g.op('Add', [h, linear(mergeHeads(g, context, heads, headSize), `${p}attention.wo.weight`)]);
    const y = rmsNorm(h, `${p}ffn_norm.weight`);
    const gated = g.op('Mul', [activation(g, 'silu', linear(y, `${p}feed_forward.w1.weight`)), linear(y, `${p}feed_forward.w3.weight`)]);
    h = g.op('Add', [h, linear(gated, `${p}feed_forward.w2.weight`)]);
  }
  const unembed = c.shared_classifier ? embedding : w('output.weight');
  logprobOutputs(g, rmsNorm(h, 'norm.weight'), unembed, scored, targets, c.dim, opts.kernels);
  return g.build();
}

export const llama: Architecture<LlamaConfig> = {
  name: 'llama2c',
  configSchema: LlamaConfig,
  contextLength: (c) => c.seq_len,
  vocabSize: (c) => c.vocab_size,
  layers: (c) => c.n_layers,
  heads: (c) => c.n_heads,
  cacheShape: (c) => ({ kvHeads: c.n_kv_heads, headDim: c.dim / c.n_heads }),
  checkWeights,
  buildGraph,
};
