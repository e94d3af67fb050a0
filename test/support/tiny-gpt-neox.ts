import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../../harness/analysis/prng.js';
import type { RefNeoxConfig } from './reference-gpt-neox.js';
import type { Weights } from './reference-gpt2.js';
import { writeSafetensors } from './write-safetensors.js';
import { writeShards } from './write-shards.js';
import { writeTorchBin, type TorchTensorSpec } from './write-torch-bin.js';

export interface TinyGptNeox {
  config: RefNeoxConfig & Record<string, unknown>;
  weights: Weights;
  shapes: Map<string, number[]>;
}

/** A random GPT-NeoX whose every weight is k/1024 for a small integer k: exact in float16 and float32 alike. */
export function randomTinyGptNeox(seed: number, over: Partial<RefNeoxConfig> = {}): TinyGptNeox {
  const c: TinyGptNeox['config'] = {
    model_type: 'gpt_neox', architectures: ['GPTNeoXForCausalLM'],
    vocab_size: 97, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64,
    max_position_embeddings: 32, rotary_pct: 0.25, rotary_emb_base: 10000, layer_norm_eps: 1e-5,
    use_parallel_residual: true, hidden_act: 'gelu', ...over,
  };
  const rand = prng(seed);
  const weights: Weights = new Map();
  const shapes = new Map<string, number[]>();
  const tensor = (name: string, shape: number[], spread: number, centre = 0) => {
    weights.set(name, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => centre + Math.round((rand() * 2 - 1) * spread) / 1024));
    shapes.set(name, shape);
  };
  const d = c.hidden_size;
  tensor('gpt_neox.embed_in.weight', [c.vocab_size, d], 600);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `gpt_neox.layers.${l}.`;
    for (const ln of ['input_layernorm', 'post_attention_layernorm']) {
      tensor(`${p}${ln}.weight`, [d], 200, 1);
      tensor(`${p}${ln}.bias`, [d], 100);
    }
    tensor(`${p}attention.query_key_value.weight`, [3 * d, d], 500);
    tensor(`${p}attention.query_key_value.bias`, [3 * d], 100);
    tensor(`${p}attention.dense.weight`, [d, d], 300);
    tensor(`${p}attention.dense.bias`, [d], 100);
    tensor(`${p}mlp.dense_h_to_4h.weight`, [c.intermediate_size, d], 300);
    tensor(`${p}mlp.dense_h_to_4h.bias`, [c.intermediate_size], 100);
    tensor(`${p}mlp.dense_4h_to_h.weight`, [d, c.intermediate_size], 200);
    tensor(`${p}mlp.dense_4h_to_h.bias`, [d], 100);
  }
  tensor('gpt_neox.final_layer_norm.weight', [d], 200, 1);
  tensor('gpt_neox.final_layer_norm.bias', [d], 100);
  tensor('embed_out.weight', [c.vocab_size, d], 600);
  return { config: c, weights, shapes };
}

/**
 * Writes the model as Pythia's step branches lay it out: config.json and pytorch_model.bin (with
 * the buffers older checkpoints hold, which must be ignored), or model.safetensors; with
 * `shards`, as that many shard files and their index.
 */
export function writeTinyGptNeox(dir: string, model: TinyGptNeox, format: 'torch' | 'safetensors', dtype: 'F32' | 'F16', shards?: number): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(model.config, null, 2));
  const tensors: TorchTensorSpec[] = [...model.weights].map(([name, data]) => ({ name, dtype, shape: model.shapes.get(name)!, data: data as Float32Array }));
  if (format === 'torch') {
    const n = model.config.max_position_embeddings;
    const r = Math.floor((model.config.hidden_size / model.config.num_attention_heads) * model.config.rotary_pct);
    for (let l = 0; l < model.config.num_hidden_layers; l++) {
      const p = `gpt_neox.layers.${l}.attention.`;
      tensors.push({ name: `${p}bias`, dtype: 'BOOL', shape: [1, 1, n, n], data: Uint8Array.from({ length: n * n }, (_, i) => (i % n <= Math.floor(i / n) ? 1 : 0)) });
      tensors.push({ name: `${p}masked_bias`, dtype, shape: [], data: Float32Array.of(-1e9) });
      tensors.push({ name: `${p}rotary_emb.inv_freq`, dtype: 'F32', shape: [r / 2], data: Float32Array.from({ length: r / 2 }, (_, j) => 1 / 10000 ** ((2 * j) / r)) });
    }
  }
  if (shards) writeShards(dir, tensors, format, shards);
  else if (format === 'torch') writeTorchBin(join(dir, 'pytorch_model.bin'), tensors);
  else writeSafetensors(join(dir, 'model.safetensors'), tensors);
  return dir;
}
