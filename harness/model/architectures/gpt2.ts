import { z } from 'zod';
import { GraphBuilder, type BuiltModel } from '../onnx/graph.js';
import {
  ACTIVATIONS, MS, activation, cachedCausalMask, causalAttention, causalMask, logprobOutputs, mergeHeads, newTokenOutputs, pastInputs,
  splitHeads, tokenInputs,
} from '../onnx/blocks.js';
import type { TensorEntry, WeightFile } from '../weights/tensor.js';
import { checkShapes, checkpointWeight, type Architecture, type ExpectedTensor, type GraphOptions } from './architecture.js';

/** The config.json fields the GPT-2 forward pass reads, with Hugging Face's defaults. */
const Gpt2Config = z.object({
  vocab_size: z.number().int().positive(),
  n_positions: z.number().int().positive(),
  n_embd: z.number().int().positive(),
  n_layer: z.number().int().positive(),
  n_head: z.number().int().positive(),
  n_inner: z.number().int().positive().nullish(),
  activation_function: z.enum(ACTIVATIONS).default('gelu_new'),
  layer_norm_epsilon: z.number().positive().default(1e-5),
  scale_attn_weights: z.boolean().default(true),
  scale_attn_by_inverse_layer_idx: z.boolean().default(false),
  reorder_and_upcast_attn: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(true),
}).refine((c) => c.n_embd % c.n_head === 0, { message: 'must divide n_embd evenly', path: ['n_head'] });
export type Gpt2Config = z.infer<typeof Gpt2Config>;

/** Resolves tensor names whether or not the file prefixes them with `transformer.`. */
function tensorNamer(file: WeightFile): (name: string) => TensorEntry | undefined {
  const prefix = file.tensors.has('transformer.wte.weight') ? 'transformer.' : '';
  return (name) => file.tensors.get(name === 'lm_head.weight' ? name : prefix + name);
}

/** Each tensor the config implies, with its shape and the config fields that shape comes from. */
function* expectedShapes(c: Gpt2Config): Generator<ExpectedTensor> {
  const d = c.n_embd;
  const inner = c.n_inner ?? 4 * d;
  const layer = ['n_layer', 'n_embd'];
  const mlp = c.n_inner ? ['n_layer', 'n_embd', 'n_inner'] : layer;
  yield ['wte.weight', [c.vocab_size, d], ['vocab_size', 'n_embd']];
  yield ['wpe.weight', [c.n_positions, d], ['n_positions', 'n_embd']];
  yield ['ln_f.weight', [d], ['n_embd']];
  yield ['ln_f.bias', [d], ['n_embd']];
  if (!c.tie_word_embeddings) yield ['lm_head.weight', [c.vocab_size, d], ['tie_word_embeddings', 'vocab_size', 'n_embd']];
  // Layer by layer, so a huge n_layer fails at the first missing layer instead of listing them all.
  for (let l = 0; l < c.n_layer; l++) {
    const p = `h.${l}.`;
    for (const ln of ['ln_1', 'ln_2']) {
      yield [`${p}${ln}.weight`, [d], layer];
      yield [`${p}${ln}.bias`, [d], layer];
    }
    yield [`${p}attn.c_attn.weight`, [d, 3 * d], layer];
    yield [`${p}attn.c_attn.bias`, [3 * d], layer];
    yield [`${p}attn.c_proj.weight`, [d, d], layer];
    yield [`${p}attn.c_proj.bias`, [d], layer];
    yield [`${p}mlp.c_fc.weight`, [d, inner], mlp];
    yield [`${p}mlp.c_fc.bias`, [inner], mlp];
    yield [`${p}mlp.c_proj.weight`, [inner, d], mlp];
    yield [`${p}mlp.c_proj.bias`, [d], layer];
  }
}

function checkWeights(c: Gpt2Config, file: WeightFile): void {
  const find = tensorNamer(file);
  checkShapes(file, 'config.json', c, expectedShapes(c), find, { tensor: `h.${c.n_layer}.ln_1.weight`, label: `h.${c.n_layer}`, field: 'n_layer' });
}

function buildGraph(c: Gpt2Config, file: WeightFile, opts: GraphOptions): BuiltModel {
  const find = tensorNamer(file);
  const g = new GraphBuilder();
  const w = (name: string) => checkpointWeight(g, name, find(name)!);
  const d = c.n_embd;
  const heads = c.n_head;
  const headDim = d / heads;
  const { ids, targets, scored, seqLen, positionIds, attentionMask } = tokenInputs(g, opts.cache);
  const wte = w('wte.weight');
  let h = g.op('Add', [g.op('Gather', [wte, ids]), g.op('Gather', [w('wpe.weight'), positionIds])]);
  const mask = attentionMask ? cachedCausalMask(g, seqLen, attentionMask) : opts.attentions ? causalMask(g, seqLen) : '';
  const layerNorm = (x: string, name: string) =>
    g.op('LayerNormalization', [x, w(`${name}.weight`), w(`${name}.bias`)], { axis: -1, epsilon: { f: c.layer_norm_epsilon } });
  const linear = (x: string, name: string) => g.op('Add', [g.op('MatMul', [x, w(`${name}.weight`)]), w(`${name}.bias`)]);

  for (let l = 0; l < c.n_layer; l++) {
    const p = `h.${l}.`;
    // reorder_and_upcast_attn only changes where fp16 is cast to fp32; this graph is fp32 throughout.
    let scale = c.scale_attn_weights ? 1 / Math.sqrt(headDim) : 1;
    if (c.scale_attn_by_inverse_layer_idx) scale /= l + 1;
    const x = layerNorm(h, `${p}ln_1`);
    const past = opts.cache ? pastInputs(g, l, heads, headDim) : undefined;
    let attn: string;
    if (opts.attentions || past) {
      // Op by op: the probabilities can be outputs, and the cached graph runs whole on WebGPU,
      // whose fused Attention takes no past or mask (it would fall back to the CPU).
      const [q, k, v] = g.opN('Split', [linear(x, `${p}attn.c_attn`), g.int64s([d, d, d])], 3, { axis: -1 });
      const split = (t: string) => splitHeads(g, t, heads, headDim);
      const [keys, values] = [split(k), split(v)];
      if (past) newTokenOutputs(g, l, keys, values, heads, headDim);
      const { context, probs } = causalAttention(g, split(q), keys, values, { scale, mask, heads, kvHeads: heads, past });
      if (opts.attentions) {
        g.alias(probs, `attention_${l}`);
        g.output(`attention_${l}`, 'float32', ['batch', heads, 'seq', past ? 'total' : 'seq']);
      }
      attn = mergeHeads(g, context, heads, headDim);
    } else {
      attn = g.op('Attention', [x, w(`${p}attn.c_attn.weight`), w(`${p}attn.c_attn.bias`)],
        { num_heads: heads, unidirectional: 1, scale: { f: scale } }, MS);
    }
    h = g.op('Add', [h, linear(attn, `${p}attn.c_proj`)]);
    const m = activation(g, c.activation_function, linear(layerNorm(h, `${p}ln_2`), `${p}mlp.c_fc`));
    h = g.op('Add', [h, linear(m, `${p}mlp.c_proj`)]);
  }
  const unembed = c.tie_word_embeddings ? wte : w('lm_head.weight');
  logprobOutputs(g, layerNorm(h, 'ln_f'), unembed, scored, targets, d, opts.kernels);
  return g.build();
}

export const gpt2: Architecture<Gpt2Config> = {
  name: 'gpt2',
  configSchema: Gpt2Config,
  contextLength: (c) => c.n_positions,
  vocabSize: (c) => c.vocab_size,
  layers: (c) => c.n_layer,
  heads: (c) => c.n_head,
  cacheShape: (c) => ({ kvHeads: c.n_head, headDim: c.n_embd / c.n_head }),
  checkWeights,
  buildGraph,
};
