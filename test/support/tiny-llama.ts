import { llama2cSizes, type Llama2cConfig, type Llama2cModel, type Llama2cTensor } from './reference-llama.js';
import { prng } from './tiny-gpt2.js';

/**
 * A random llama2.c model whose weights are k/1024 for small integers k (exact in float32). The
 * unused rotary tables are random too, so a reader that used them would be caught.
 */
export function randomTinyLlama(seed: number, over: Partial<Llama2cConfig> = {}): Llama2cModel {
  const config: Llama2cConfig = {
    dim: 24, hidden_dim: 40, n_layers: 2, n_heads: 4, n_kv_heads: 2, vocab_size: 61, seq_len: 32, shared_classifier: true, ...over,
  };
  const rand = prng(seed);
  const spread: Partial<Record<Llama2cTensor, [number, number]>> = {
    token_embedding_table: [700, 0], wcls: [500, 0], rms_att_weight: [300, 1], rms_ffn_weight: [300, 1], rms_final_weight: [300, 1],
  };
  const weights = new Map<Llama2cTensor, Float32Array>();
  for (const [name, n] of llama2cSizes(config)) {
    const [range, centre] = spread[name] ?? [400, 0];
    weights.set(name, Float32Array.from({ length: n }, () => centre + Math.round((rand() * 2 - 1) * range) / 1024));
  }
  return { config, weights };
}
