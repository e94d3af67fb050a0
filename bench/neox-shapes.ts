import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../test/support/tiny-gpt2.js';
import { writeTorchBin, type TorchTensorSpec } from '../test/support/write-torch-bin.js';

/** Pythia-160m's config (EleutherAI/pythia-160m, every seed of PolyPythias alike). */
export const PYTHIA_160M = {
  model_type: 'gpt_neox', architectures: ['GPTNeoXForCausalLM'], vocab_size: 50304, hidden_size: 768, num_hidden_layers: 12,
  num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 2048, rotary_pct: 0.25, rotary_emb_base: 10000,
  use_parallel_residual: true, hidden_act: 'gelu', layer_norm_eps: 1e-5, tie_word_embeddings: false, torch_dtype: 'float16',
} as const;

/** Parameters, embed_in and embed_out both counted (Pythia-160m: 162,322,944). */
export function pythia160mParams(): number {
  const { vocab_size: V, hidden_size: d, num_hidden_layers: L, intermediate_size: I } = PYTHIA_160M;
  return 2 * V * d + L * (4 * d * d + 4 * d + 2 * d * I + I + d + 4 * d) + 2 * d;
}

/** A random-weight Pythia-160m as a step branch holds it: float16 pytorch_model.bin, the old buffers included. */
export function writeRandomPythia160m(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const c = PYTHIA_160M;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c, null, 2));
  const rand = prng(2);
  const d = c.hidden_size;
  const tensors: TorchTensorSpec[] = [];
  const add = (name: string, shape: number[], scale: number, centre = 0) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = centre + (rand() * 2 - 1) * scale;
    tensors.push({ name, dtype: 'F16', shape, data });
  };
  add('gpt_neox.embed_in.weight', [c.vocab_size, d], 0.1);
  const n = c.max_position_embeddings;
  const rot = Math.floor((d / c.num_attention_heads) * c.rotary_pct);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `gpt_neox.layers.${l}.`;
    add(`${p}input_layernorm.weight`, [d], 0.1, 1);
    add(`${p}input_layernorm.bias`, [d], 0.02);
    add(`${p}post_attention_layernorm.weight`, [d], 0.1, 1);
    add(`${p}post_attention_layernorm.bias`, [d], 0.02);
    tensors.push({ name: `${p}attention.bias`, dtype: 'BOOL', shape: [1, 1, n, n], data: Uint8Array.from({ length: n * n }, (_, i) => (i % n <= Math.floor(i / n) ? 1 : 0)) });
    tensors.push({ name: `${p}attention.masked_bias`, dtype: 'F16', shape: [], data: Float32Array.of(-1e4) });
    tensors.push({ name: `${p}attention.rotary_emb.inv_freq`, dtype: 'F32', shape: [rot / 2], data: Float32Array.from({ length: rot / 2 }, (_, j) => 1 / c.rotary_emb_base ** ((2 * j) / rot)) });
    add(`${p}attention.query_key_value.weight`, [3 * d, d], 0.05);
    add(`${p}attention.query_key_value.bias`, [3 * d], 0.02);
    add(`${p}attention.dense.weight`, [d, d], 0.05);
    add(`${p}attention.dense.bias`, [d], 0.02);
    add(`${p}mlp.dense_h_to_4h.weight`, [c.intermediate_size, d], 0.05);
    add(`${p}mlp.dense_h_to_4h.bias`, [c.intermediate_size], 0.02);
    add(`${p}mlp.dense_4h_to_h.weight`, [d, c.intermediate_size], 0.03);
    add(`${p}mlp.dense_4h_to_h.bias`, [d], 0.02);
  }
  add('gpt_neox.final_layer_norm.weight', [d], 0.1, 1);
  add('gpt_neox.final_layer_norm.bias', [d], 0.02);
  add('embed_out.weight', [c.vocab_size, d], 0.1);
  writeTorchBin(join(dir, 'pytorch_model.bin'), tensors);
}
