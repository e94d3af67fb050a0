import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../test/support/tiny-gpt2.js';
import { writeTorchBin, type TorchTensorSpec } from '../test/support/write-torch-bin.js';

const CRFM = {
  model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 50257, n_positions: 1024, n_ctx: 1024,
  activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, scale_attn_by_inverse_layer_idx: true, reorder_and_upcast_attn: true,
};

/** GPT-2 small's and medium's exact shapes, with the Stanford CRFM config flags; tiny, for trying scripts. */
export const GPT2_SHAPES = {
  tiny: { ...CRFM, n_embd: 64, n_layer: 2, n_head: 2 },
  small: { ...CRFM, n_embd: 768, n_layer: 12, n_head: 12 },
  medium: { ...CRFM, n_embd: 1024, n_layer: 24, n_head: 16 },
} as const;
export type Gpt2Shape = keyof typeof GPT2_SHAPES;

/** Parameters, the tied head counted once (GPT-2 small: 124,439,808). */
export function gpt2Params(shape: Gpt2Shape): number {
  const { n_embd: d, n_layer: L, vocab_size: V, n_positions: P } = GPT2_SHAPES[shape];
  return V * d + P * d + L * (12 * d * d + 13 * d) + 2 * d;
}

/** Writes a random-weight GPT-2 of that shape as a float16 pytorch_model.bin, laid out like a CRFM checkpoint. */
export function writeRandomGpt2(dir: string, shape: Gpt2Shape): void {
  mkdirSync(dir, { recursive: true });
  const c = GPT2_SHAPES[shape];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c, null, 2));
  const rand = prng(1);
  const d = c.n_embd;
  const tensors: TorchTensorSpec[] = [];
  const add = (name: string, shape: number[], scale: number, centre = 0) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = centre + (rand() * 2 - 1) * scale;
    tensors.push({ name: `transformer.${name}`, dtype: 'F16', shape, data });
  };
  add('wte.weight', [c.vocab_size, d], 0.1);
  add('wpe.weight', [c.n_positions, d], 0.02);
  const n = c.n_positions;
  const tril = Uint8Array.from({ length: n * n }, (_, i) => (i % n <= Math.floor(i / n) ? 1 : 0));
  for (let l = 0; l < c.n_layer; l++) {
    const p = `h.${l}.`;
    add(`${p}ln_1.weight`, [d], 0.1, 1);
    add(`${p}ln_1.bias`, [d], 0.02);
    tensors.push({ name: `transformer.${p}attn.bias`, dtype: 'BOOL', shape: [1, 1, n, n], data: tril });
    tensors.push({ name: `transformer.${p}attn.masked_bias`, dtype: 'F16', shape: [], data: Float32Array.of(-1e4) });
    add(`${p}attn.c_attn.weight`, [d, 3 * d], 0.05);
    add(`${p}attn.c_attn.bias`, [3 * d], 0.02);
    add(`${p}attn.c_proj.weight`, [d, d], 0.05);
    add(`${p}attn.c_proj.bias`, [d], 0.02);
    add(`${p}ln_2.weight`, [d], 0.1, 1);
    add(`${p}ln_2.bias`, [d], 0.02);
    add(`${p}mlp.c_fc.weight`, [d, 4 * d], 0.05);
    add(`${p}mlp.c_fc.bias`, [4 * d], 0.02);
    add(`${p}mlp.c_proj.weight`, [4 * d, d], 0.03);
    add(`${p}mlp.c_proj.bias`, [d], 0.02);
  }
  add('ln_f.weight', [d], 0.1, 1);
  add('ln_f.bias', [d], 0.02);
  const wte = tensors[0];
  tensors.push({ name: 'lm_head.weight', dtype: 'F16', shape: wte.shape, data: wte.data, shareWith: wte.name });
  writeTorchBin(join(dir, 'pytorch_model.bin'), tensors);
}

/** Forward FLOPs per token at sequence length T (causal attention counts the keys a query sees). */
export function gpt2FlopsPerToken(T: number, shape: Gpt2Shape = 'small'): number {
  const { n_embd: d, n_layer: L, vocab_size: V } = GPT2_SHAPES[shape];
  return L * (24 * d * d + 2 * T * d) + 2 * d * V;
}
