import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng, randomTinyGpt2, writeTinyGpt2 } from './tiny-gpt2.js';

const TOKENIZER = join(import.meta.dirname, '..', 'fixtures', 'gpt2-tokenizer');
const SHAPE = { vocab_size: 50257, n_embd: 8, n_head: 2, n_layer: 2, n_positions: 64, n_ctx: 64 };

/**
 * A GPT-2 (real vocabulary, tokenizer files beside it) whose answer is known: its layers add
 * nothing and its embedding rows have zero mean and unit variance, so the tied head's logits
 * are row dot-products and the top-1 prediction is always the current token ("echo").
 * `echo: false` writes a random model of the same shape instead.
 */
export function writeGpt2Checkpoint(dir: string, opts: { echo: boolean; seed: number }): string {
  const model = randomTinyGpt2(opts.seed, SHAPE as never);
  if (opts.echo) {
    const rand = prng(opts.seed);
    for (const [name, values] of model.weights) {
      if (/c_proj\.(weight|bias)$|wpe\.weight$/.test(name)) (values as Float32Array).fill(0);
    }
    const wte = model.weights.get('transformer.wte.weight') as Float32Array;
    const d = SHAPE.n_embd;
    for (let row = 0; row < SHAPE.vocab_size; row++) {
      const v = Array.from({ length: d }, () => rand() * 2 - 1);
      const mean = v.reduce((a, b) => a + b, 0) / d;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / d);
      v.forEach((x, i) => (wte[row * d + i] = (x - mean) / sd));
    }
    for (const [name, values] of model.weights) if (/ln_f\.(weight|bias)$/.test(name)) (values as Float32Array).fill(name.endsWith('weight') ? 1 : 0);
  }
  writeTinyGpt2(dir, model, 'torch', 'F32');
  for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(TOKENIZER, f), join(dir, f));
  return dir;
}
