import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RefGpt2Config, Weights } from './reference-gpt2.js';
import { writeSafetensors } from './write-safetensors.js';
import { writeTorchBin, type TorchTensorSpec } from './write-torch-bin.js';
import { prng } from '../../harness/analysis/prng.js';

export interface TinyGpt2 {
  config: RefGpt2Config & Record<string, unknown>;
  weights: Weights;
}

export { prng };

/**
 * A random GPT-2 whose every weight is k/1024 for a small integer k, so the values are exact in
 * float16 as well as float32 and one reference serves both file encodings.
 */
export function randomTinyGpt2(seed: number, over: Partial<RefGpt2Config> = {}): TinyGpt2 {
  const c: TinyGpt2['config'] = {
    model_type: 'gpt2',
    vocab_size: 97,
    n_positions: 32,
    n_ctx: 32,
    n_embd: 24,
    n_layer: 3,
    n_head: 3,
    layer_norm_epsilon: 1e-5,
    activation_function: 'gelu_new',
    scale_attn_by_inverse_layer_idx: true,
    reorder_and_upcast_attn: true,
    ...over,
  };
  const rand = prng(seed);
  const w: Weights = new Map();
  const tensor = (name: string, n: number, spread: number, centre = 0) =>
    w.set(`transformer.${name}`, Float32Array.from({ length: n }, () => centre + Math.round((rand() * 2 - 1) * spread) / 1024));
  const d = c.n_embd;
  tensor('wte.weight', c.vocab_size * d, 600);
  tensor('wpe.weight', c.n_positions * d, 300);
  for (let l = 0; l < c.n_layer; l++) {
    const p = `h.${l}.`;
    for (const ln of ['ln_1', 'ln_2']) {
      tensor(`${p}${ln}.weight`, d, 200, 1);
      tensor(`${p}${ln}.bias`, d, 100);
    }
    tensor(`${p}attn.c_attn.weight`, d * 3 * d, 500);
    tensor(`${p}attn.c_attn.bias`, 3 * d, 100);
    tensor(`${p}attn.c_proj.weight`, d * d, 300);
    tensor(`${p}attn.c_proj.bias`, d, 100);
    tensor(`${p}mlp.c_fc.weight`, d * 4 * d, 300);
    tensor(`${p}mlp.c_fc.bias`, 4 * d, 100);
    tensor(`${p}mlp.c_proj.weight`, 4 * d * d, 200);
    tensor(`${p}mlp.c_proj.bias`, d, 100);
  }
  tensor('ln_f.weight', d, 200, 1);
  tensor('ln_f.bias', d, 100);
  return { config: c, weights: w };
}

function shapeOf(name: string, c: RefGpt2Config): number[] {
  const d = c.n_embd;
  const table: [RegExp, number[]][] = [
    [/wte\.weight$/, [c.vocab_size, d]],
    [/wpe\.weight$/, [c.n_positions, d]],
    [/c_attn\.weight$/, [d, 3 * d]],
    [/c_attn\.bias$/, [3 * d]],
    [/attn\.c_proj\.weight$/, [d, d]],
    [/c_fc\.weight$/, [d, 4 * d]],
    [/c_fc\.bias$/, [4 * d]],
    [/mlp\.c_proj\.weight$/, [4 * d, d]],
  ];
  return table.find(([re]) => re.test(name))?.[1] ?? [d];
}

/**
 * Writes the model as a checkpoint directory the way CRFM's runs are laid out: config.json and
 * pytorch_model.bin with the causal-mask buffers and a tied lm_head, or model.safetensors.
 */
export function writeTinyGpt2(dir: string, model: TinyGpt2, format: 'torch' | 'safetensors', dtype: 'F32' | 'F16' | 'BF16',
  opts: { transposed?: string[] } = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['GPT2LMHeadModel'], ...model.config }, null, 2));
  const c = model.config;
  const tensors: TorchTensorSpec[] = [...model.weights].map(([name, data]) => ({
    name, dtype, shape: shapeOf(name, c), data: data as Float32Array, transposed: opts.transposed?.includes(name),
  }));
  if (format === 'torch') {
    const n = c.n_positions;
    const tril = Uint8Array.from({ length: n * n }, (_, i) => (i % n <= Math.floor(i / n) ? 1 : 0));
    for (let l = 0; l < c.n_layer; l++) {
      tensors.push({ name: `transformer.h.${l}.attn.bias`, dtype: 'BOOL' as never, shape: [1, 1, n, n], data: tril as never });
      tensors.push({ name: `transformer.h.${l}.attn.masked_bias`, dtype, shape: [], data: Float32Array.of(-1e4) });
    }
    writeTorchBin(join(dir, 'pytorch_model.bin'), [
      ...tensors,
      { name: 'lm_head.weight', dtype, shape: [c.vocab_size, c.n_embd], data: model.weights.get('transformer.wte.weight') as Float32Array, shareWith: 'transformer.wte.weight' },
    ]);
  } else {
    writeSafetensors(join(dir, 'model.safetensors'), tensors);
  }
  return dir;
}
