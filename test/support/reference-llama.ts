/**
 * An independent float64 Llama forward pass, written plainly from llama2.c's run.c: one token at
 * a time with a key/value cache, rotary pairs (i, i + 1) inside each head, grouped key/value
 * heads, SwiGLU. It reads llama2.c `.bin` files itself, so the harness reader is checked too.
 * Slow and obvious on purpose.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { RefOutput } from './reference-gpt2.js';

export interface Llama2cConfig {
  dim: number;
  hidden_dim: number;
  n_layers: number;
  n_heads: number;
  n_kv_heads: number;
  vocab_size: number;
  seq_len: number;
  shared_classifier: boolean;
}

/** run.c's weights, named as there, every layer of one tensor stacked into one array. */
export const LLAMA2C_TENSORS = [
  'token_embedding_table', 'rms_att_weight', 'wq', 'wk', 'wv', 'wo', 'rms_ffn_weight', 'w1', 'w2', 'w3',
  'rms_final_weight', 'freq_cis_real', 'freq_cis_imag', 'wcls',
] as const;
export type Llama2cTensor = (typeof LLAMA2C_TENSORS)[number];

export interface Llama2cModel {
  config: Llama2cConfig;
  weights: Map<Llama2cTensor, Float32Array>;
}

/** Element counts of each stacked tensor, in file order (wcls only when not shared). */
export function llama2cSizes(c: Llama2cConfig): [Llama2cTensor, number][] {
  const { dim: d, hidden_dim: f, n_layers: L, vocab_size: V } = c;
  const hs = d / c.n_heads;
  const kv = hs * c.n_kv_heads;
  const sizes: [Llama2cTensor, number][] = [
    ['token_embedding_table', V * d], ['rms_att_weight', L * d], ['wq', L * d * d], ['wk', L * kv * d], ['wv', L * kv * d],
    ['wo', L * d * d], ['rms_ffn_weight', L * d], ['w1', L * f * d], ['w2', L * d * f], ['w3', L * f * d],
    ['rms_final_weight', d], ['freq_cis_real', Math.floor((c.seq_len * hs) / 2)], ['freq_cis_imag', Math.floor((c.seq_len * hs) / 2)],
  ];
  if (!c.shared_classifier) sizes.push(['wcls', V * d]);
  return sizes;
}

export function readLlama2c(path: string): Llama2cModel {
  const bytes = readFileSync(path);
  const header = [0, 1, 2, 3, 4, 5, 6].map((i) => bytes.readInt32LE(4 * i));
  const [dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab, seq_len] = header;
  const config = { dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size: Math.abs(vocab), seq_len, shared_classifier: vocab > 0 };
  const weights = new Map<Llama2cTensor, Float32Array>();
  let at = 28;
  for (const [name, n] of llama2cSizes(config)) {
    weights.set(name, new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 4 * n)));
    at += 4 * n;
  }
  if (at !== bytes.length) throw new Error(`reference: ${path} has ${bytes.length} bytes, expected ${at}`);
  return { config, weights };
}

export function writeLlama2c(path: string, model: Llama2cModel): string {
  const c = model.config;
  const header = Buffer.alloc(28);
  [c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.shared_classifier ? c.vocab_size : -c.vocab_size, c.seq_len]
    .forEach((v, i) => header.writeInt32LE(v, 4 * i));
  const parts = llama2cSizes(c).map(([name, n]) => {
    const w = model.weights.get(name) ?? new Float32Array(n);
    if (w.length !== n) throw new Error(`${name}: ${w.length} values, expected ${n}`);
    return Buffer.from(w.buffer, w.byteOffset, w.byteLength);
  });
  writeFileSync(path, Buffer.concat([header, ...parts]));
  return path;
}

/** out[i] = sum_j w[row0 + i][j] * x[j] for a [rows, cols] row-major block starting at row0 * cols. */
function matvec(w: Float32Array, offset: number, x: Float64Array, rows: number): Float64Array {
  const cols = x.length;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += w[offset + i * cols + j] * x[j];
    out[i] = s;
  }
  return out;
}

function rmsnorm(x: Float64Array, w: Float32Array, offset: number): Float64Array {
  const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
  const scale = 1 / Math.sqrt(ms + 1e-5);
  return x.map((v, i) => w[offset + i] * scale * v);
}

/** Turns each pair (2j, 2j + 1) of every head by pos * 10000^(-2j / headSize) radians. */
function rotate(vec: Float64Array, pos: number, headSize: number): void {
  for (let i = 0; i < vec.length; i += 2) {
    const angle = pos * 10000 ** (-(i % headSize) / headSize);
    const [a, b] = [vec[i], vec[i + 1]];
    vec[i] = a * Math.cos(angle) - b * Math.sin(angle);
    vec[i + 1] = a * Math.sin(angle) + b * Math.cos(angle);
  }
}

export function referenceLlama(model: Llama2cModel, ids: number[]): RefOutput {
  const c = model.config;
  const get = (name: Llama2cTensor) => model.weights.get(name)!;
  const d = c.dim;
  const f = c.hidden_dim;
  const hs = d / c.n_heads;
  const kvDim = hs * c.n_kv_heads;
  const group = c.n_heads / c.n_kv_heads;
  const emb = get('token_embedding_table');
  const wcls = c.shared_classifier ? emb : get('wcls');
  const keys: Float64Array[][] = Array.from({ length: c.n_layers }, () => []);
  const values: Float64Array[][] = Array.from({ length: c.n_layers }, () => []);
  const attention: number[][][][] = Array.from({ length: c.n_layers }, () => Array.from({ length: c.n_heads }, () => []));
  const nextLogprobs: number[] = [];
  const top1: number[] = [];

  ids.forEach((token, pos) => {
    let x = Float64Array.from(emb.subarray(token * d, (token + 1) * d));
    for (let l = 0; l < c.n_layers; l++) {
      const xb = rmsnorm(x, get('rms_att_weight'), l * d);
      const q = matvec(get('wq'), l * d * d, xb, d);
      const k = matvec(get('wk'), l * kvDim * d, xb, kvDim);
      const v = matvec(get('wv'), l * kvDim * d, xb, kvDim);
      rotate(q, pos, hs);
      rotate(k, pos, hs);
      keys[l].push(k);
      values[l].push(v);
      const context = new Float64Array(d);
      for (let h = 0; h < c.n_heads; h++) {
        const kvOff = Math.floor(h / group) * hs;
        const scores = keys[l].map((key) => {
          let s = 0;
          for (let i = 0; i < hs; i++) s += q[h * hs + i] * key[kvOff + i];
          return s / Math.sqrt(hs);
        });
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        const probs = e.map((p) => p / z);
        attention[l][h].push([...probs, ...new Array(ids.length - pos - 1).fill(0)]);
        probs.forEach((p, t) => {
          for (let i = 0; i < hs; i++) context[h * hs + i] += p * values[l][t][kvOff + i];
        });
      }
      const attnOut = matvec(get('wo'), l * d * d, context, d);
      x = x.map((val, i) => val + attnOut[i]);
      const xf = rmsnorm(x, get('rms_ffn_weight'), l * d);
      const gate = matvec(get('w1'), l * f * d, xf, f);
      const up = matvec(get('w3'), l * f * d, xf, f);
      const hidden = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
      const ffnOut = matvec(get('w2'), l * d * f, hidden, d);
      x = x.map((val, i) => val + ffnOut[i]);
    }
    const logits = matvec(wcls, 0, rmsnorm(x, get('rms_final_weight'), 0), c.vocab_size);
    let best = 0;
    for (let t = 1; t < logits.length; t++) if (logits[t] > logits[best]) best = t;
    top1.push(best);
    const lse = logits[best] + Math.log(logits.reduce((a, v) => a + Math.exp(v - logits[best]), 0));
    if (pos + 1 < ids.length) nextLogprobs.push(logits[ids[pos + 1]] - lse);
  });
  return { nextLogprobs, top1, attention };
}
