/**
 * GPT-NeoX as Hugging Face's GPTNeoXForCausalLM computes it (EleutherAI's Pythia and
 * PolyPythias): rotary embeddings on the first `rotary_pct` of each head's dimensions in the
 * rotate-half convention, a fused query_key_value laid out per head as [q, k, v], LayerNorm with
 * biases, a parallel residual (x + attn(ln1(x)) + mlp(ln2(x))) unless `use_parallel_residual` is
 * false, and an untied `embed_out`. Buffers older checkpoints hold (attention.bias,
 * attention.masked_bias, attention.rotary_emb.inv_freq) are never read.
 */
import { z } from 'zod';
import { GraphBuilder, type BuiltModel } from '../onnx/graph.js';
import {
  ACTIVATIONS, activation, cachedCausalMask, causalAttention, causalMask, logprobOutputs, mergeHeads, MS, newTokenOutputs, pastInputs, rotaryTables,
  tokenInputs,
} from '../onnx/blocks.js';
import type { TensorEntry, WeightFile } from '../weights/tensor.js';
import { checkShapes, checkpointWeight, type Architecture, type ExpectedTensor, type GraphOptions } from './architecture.js';

/** The config.json fields the forward pass reads, with Hugging Face's defaults. */
const GptNeoxConfig = z.object({
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  max_position_embeddings: z.number().int().positive(),
  rotary_pct: z.number().gt(0).lte(1).default(0.25),
  rotary_emb_base: z.number().positive().default(10000),
  layer_norm_eps: z.number().positive().default(1e-5),
  use_parallel_residual: z.boolean().default(true),
  hidden_act: z.enum(ACTIVATIONS).default('gelu'),
  attention_bias: z.boolean().default(true),
  tie_word_embeddings: z.boolean().default(false),
})
  .refine((c) => c.hidden_size % c.num_attention_heads === 0, { message: 'must divide hidden_size evenly', path: ['num_attention_heads'] })
  .refine((c) => rotaryDims(c) % 2 === 0, { message: 'must leave an even number of rotary dimensions per head', path: ['rotary_pct'] });
export type GptNeoxConfig = z.infer<typeof GptNeoxConfig>;

interface HeadShape {
  hidden_size: number;
  num_attention_heads: number;
}
const headDim = (c: HeadShape): number => c.hidden_size / c.num_attention_heads;
/** As Hugging Face computes it: int(head_size * rotary_pct). */
const rotaryDims = (c: HeadShape & { rotary_pct: number }): number => Math.floor(headDim(c) * c.rotary_pct);

const name = (n: string) => (n === 'embed_out.weight' ? n : `gpt_neox.${n}`);

function* expectedShapes(c: GptNeoxConfig): Generator<ExpectedTensor> {
  const d = c.hidden_size;
  const layer = ['num_hidden_layers', 'hidden_size'];
  const mlp = ['num_hidden_layers', 'hidden_size', 'intermediate_size'];
  yield ['embed_in.weight', [c.vocab_size, d], ['vocab_size', 'hidden_size']];
  yield ['final_layer_norm.weight', [d], ['hidden_size']];
  yield ['final_layer_norm.bias', [d], ['hidden_size']];
  if (!c.tie_word_embeddings) yield ['embed_out.weight', [c.vocab_size, d], ['tie_word_embeddings', 'vocab_size', 'hidden_size']];
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `layers.${l}.`;
    for (const ln of ['input_layernorm', 'post_attention_layernorm']) {
      yield [`${p}${ln}.weight`, [d], layer];
      yield [`${p}${ln}.bias`, [d], layer];
    }
    yield [`${p}attention.query_key_value.weight`, [3 * d, d], layer];
    yield [`${p}attention.dense.weight`, [d, d], layer];
    if (c.attention_bias) {
      yield [`${p}attention.query_key_value.bias`, [3 * d], [...layer, 'attention_bias']];
      yield [`${p}attention.dense.bias`, [d], [...layer, 'attention_bias']];
    }
    yield [`${p}mlp.dense_h_to_4h.weight`, [c.intermediate_size, d], mlp];
    yield [`${p}mlp.dense_h_to_4h.bias`, [c.intermediate_size], mlp];
    yield [`${p}mlp.dense_4h_to_h.weight`, [d, c.intermediate_size], mlp];
    yield [`${p}mlp.dense_4h_to_h.bias`, [d], layer];
  }
}

function checkWeights(c: GptNeoxConfig, file: WeightFile): void {
  checkShapes(file, 'config.json', c, expectedShapes(c), (n) => file.tensors.get(name(n)),
    { tensor: `layers.${c.num_hidden_layers}.input_layernorm.weight`, label: `layers.${c.num_hidden_layers}`, field: 'num_hidden_layers' });
}

/**
 * cos and sin [maxPositions, rotary] at the positions, broadcastable against [B, H, T, rotary]:
 * Hugging Face's float32 `inv_freq = 1 / base^(arange(0, r, 2) / r)`, angles `pos * inv_freq`
 * repeated for both halves.
 */
function rotaryAngles(g: GraphBuilder, c: GptNeoxConfig, positionIds: string, perRow: boolean): { cos: string; sin: string } {
  const r = rotaryDims(c);
  const f = Math.fround;
  const invFreq = Array.from({ length: r / 2 }, (_, j) => f(1 / f(c.rotary_emb_base ** f((2 * j) / r))));
  const angles = Array.from({ length: c.max_position_embeddings }, (_, pos) => {
    const half = invFreq.map((v) => f(pos * v));
    return [...half, ...half];
  }).flat();
  return rotaryTables(g, angles, [c.max_position_embeddings, r], positionIds, perRow ? [1] : []);
}

/** x [B, H, T, headDim] with its first `rotary` dimensions rotated: x·cos + rotate_half(x)·sin. */
function rotate(g: GraphBuilder, x: string, rope: { cos: string; sin: string }, rotary: number, dim: number): string {
  const [rot, pass] = rotary === dim ? [x, ''] : g.opN('Split', [x, g.int64s([rotary, dim - rotary])], 2, { axis: -1 });
  const [x1, x2] = g.opN('Split', [rot, g.int64s([rotary / 2, rotary / 2])], 2, { axis: -1 });
  const half = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
  const rotated = g.op('Add', [g.op('Mul', [rot, rope.cos]), g.op('Mul', [half, rope.sin])]);
  return pass ? g.op('Concat', [rotated, pass], { axis: -1 }) : rotated;
}

function buildGraph(c: GptNeoxConfig, file: WeightFile, opts: GraphOptions): BuiltModel {
  const g = new GraphBuilder();
  const tensor = (n: string): TensorEntry => file.tensors.get(name(n))!;
  const w = (n: string) => checkpointWeight(g, n, tensor(n));
  // Linear weights are stored [out, in], as PyTorch keeps them; MatMul takes them [in, out].
  const linear = (x: string, n: string, bias = true) => {
    const y = g.op('MatMul', [x, checkpointWeight(g, `${n}.weight`, tensor(`${n}.weight`), { transpose: true })]);
    return bias ? g.op('Add', [y, w(`${n}.bias`)]) : y;
  };
  const layerNorm = (x: string, n: string) =>
    g.op('LayerNormalization', [x, w(`${n}.weight`), w(`${n}.bias`)], { axis: -1, epsilon: { f: c.layer_norm_eps } });
  const heads = c.num_attention_heads;
  const dim = headDim(c);
  const rotary = rotaryDims(c);
  const { ids, targets, scored, seqLen, positionIds, attentionMask } = tokenInputs(g, opts.cache);
  const embedIn = w('embed_in.weight');
  let h = g.op('Gather', [embedIn, ids]);
  // Scoring attends through the fused kernel, which needs no mask (as GPT-2's).
  const mask = attentionMask ? cachedCausalMask(g, seqLen, attentionMask) : opts.attentions ? causalMask(g, seqLen) : '';
  const rope = rotaryAngles(g, c, positionIds, opts.cache);

  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `layers.${l}.`;
    // query_key_value's outputs are per head [q, k, v]: [B, T, H, 3 * dim], split, then [B, H, T, dim].
    const qkv = g.op('Reshape', [linear(layerNorm(h, `${p}input_layernorm`), `${p}attention.query_key_value`, c.attention_bias), g.int64s([0, 0, heads, 3 * dim])]);
    const [q, k, v] = g.opN('Split', [qkv, g.int64s([dim, dim, dim])], 3, { axis: -1 }).map((t) => g.op('Transpose', [t], { perm: [0, 2, 1, 3] }));
    const [keys, queries] = [rotate(g, k, rope, rotary, dim), rotate(g, q, rope, rotary, dim)];
    const past = opts.cache ? pastInputs(g, l, heads, dim) : undefined;
    if (past) newTokenOutputs(g, l, keys, v, heads, dim);
    let merged: string;
    if (!mask) {
      // Scoring: ONNX Runtime's fused kernel on the rotated queries and keys (1.3x the op-by-op
      // graph on 4 x 1024 tokens of Pythia-160m; the reference tests hold it to 1e-4).
      merged = g.op('MultiHeadAttention', [mergeHeads(g, queries, heads, dim), keys, v], { num_heads: heads, unidirectional: 1, scale: { f: 1 / Math.sqrt(dim) } }, MS);
    } else {
      const { context, probs } = causalAttention(g, queries, keys, v, { scale: 1 / Math.sqrt(dim), mask, heads, kvHeads: heads, past });
      if (opts.attentions) {
        g.alias(probs, `attention_${l}`);
        g.output(`attention_${l}`, 'float32', ['batch', heads, 'seq', opts.cache ? 'total' : 'seq']);
      }
      merged = mergeHeads(g, context, heads, dim);
    }
    const attn = linear(merged, `${p}attention.dense`, c.attention_bias);
    const mlp = (x: string) => linear(activation(g, c.hidden_act, linear(layerNorm(x, `${p}post_attention_layernorm`), `${p}mlp.dense_h_to_4h`)), `${p}mlp.dense_4h_to_h`);
    if (c.use_parallel_residual) {
      h = g.op('Add', [g.op('Add', [h, attn]), mlp(h)]);
    } else {
      h = g.op('Add', [h, attn]);
      h = g.op('Add', [h, mlp(h)]);
    }
  }
  const unembed = c.tie_word_embeddings ? embedIn : w('embed_out.weight');
  logprobOutputs(g, layerNorm(h, 'final_layer_norm'), unembed, scored, targets, c.hidden_size, opts.kernels);
  return g.build();
}

export const gptNeox: Architecture<GptNeoxConfig> = {
  name: 'gpt_neox',
  configSchema: GptNeoxConfig,
  contextLength: (c) => c.max_position_embeddings,
  vocabSize: (c) => c.vocab_size,
  layers: (c) => c.num_hidden_layers,
  heads: (c) => c.num_attention_heads,
  cacheShape: (c) => ({ kvHeads: c.num_attention_heads, headDim: headDim(c) }),
  checkWeights,
  buildGraph,
};
