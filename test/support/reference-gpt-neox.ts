/**
 * An independent float64 GPT-NeoX forward pass, written plainly from Hugging Face's
 * modeling_gpt_neox.py (rotate_half rotary on the first rotary_pct of each head, fused
 * query_key_value laid out per head as [q, k, v], parallel or sequential residual), to check the
 * ONNX graph against. Linear weights are PyTorch's [out, in]. Slow and obvious on purpose.
 */
import { erf, referenceHead, type RefOutput, type Weights } from './reference-gpt2.js';

export interface RefNeoxConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  rotary_pct: number;
  rotary_emb_base: number;
  layer_norm_eps: number;
  use_parallel_residual: boolean;
  hidden_act: 'gelu' | 'gelu_new';
}

type Mat = Float64Array[];

/** y = x W^T + b with W [out, in]. */
function linear(x: Mat, w: ArrayLike<number>, b: ArrayLike<number>, nIn: number, nOut: number): Mat {
  return x.map((row) => Float64Array.from({ length: nOut }, (_, o) => {
    let s = b[o];
    for (let i = 0; i < nIn; i++) s += w[o * nIn + i] * row[i];
    return s;
  }));
}

function layerNorm(x: Mat, g: ArrayLike<number>, b: ArrayLike<number>, eps: number): Mat {
  return x.map((row) => {
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
  });
}

const gelu = (name: RefNeoxConfig['hidden_act'], x: number) =>
  name === 'gelu' ? 0.5 * x * (1 + erf(x / Math.SQRT2)) : 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** rotate_half on the first r dims of v (a head's query or key) at position t. */
function rope(v: Float64Array, t: number, r: number, base: number): Float64Array {
  const out = Float64Array.from(v);
  for (let i = 0; i < r / 2; i++) {
    const angle = t / base ** ((2 * i) / r);
    const [a, b] = [v[i], v[i + r / 2]];
    out[i] = a * Math.cos(angle) - b * Math.sin(angle);
    out[i + r / 2] = b * Math.cos(angle) + a * Math.sin(angle);
  }
  return out;
}

export function referenceGptNeox(c: RefNeoxConfig, w: Weights, ids: number[]): RefOutput {
  const get = (n: string) => {
    const v = w.get(n);
    if (!v) throw new Error(`reference: no weight ${n}`);
    return v;
  };
  const d = c.hidden_size;
  const H = c.num_attention_heads;
  const dh = d / H;
  const r = Math.floor(dh * c.rotary_pct);
  const T = ids.length;
  const emb = get('gpt_neox.embed_in.weight');
  let h: Mat = ids.map((id) => Float64Array.from({ length: d }, (_, i) => emb[id * d + i]));
  const attention: number[][][][] = [];
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `gpt_neox.layers.${l}.`;
    const x = layerNorm(h, get(`${p}input_layernorm.weight`), get(`${p}input_layernorm.bias`), c.layer_norm_eps);
    const qkv = linear(x, get(`${p}attention.query_key_value.weight`), get(`${p}attention.query_key_value.bias`), d, 3 * d);
    const head = (t: number, hd: number, which: 0 | 1 | 2) => qkv[t].subarray(hd * 3 * dh + which * dh, hd * 3 * dh + (which + 1) * dh);
    const ctx: Mat = Array.from({ length: T }, () => new Float64Array(d));
    const layerAttn: number[][][] = [];
    for (let hd = 0; hd < H; hd++) {
      const q = Array.from({ length: T }, (_, t) => rope(head(t, hd, 0), t, r, c.rotary_emb_base));
      const k = Array.from({ length: T }, (_, t) => rope(head(t, hd, 1), t, r, c.rotary_emb_base));
      const headAttn: number[][] = [];
      for (let t = 0; t < T; t++) {
        const scores = Array.from({ length: t + 1 }, (_, j) => q[t].reduce((a, v, i) => a + v * k[j][i], 0) / Math.sqrt(dh));
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        const probs = e.map((v) => v / z);
        headAttn.push([...probs, ...new Array(T - t - 1).fill(0)]);
        for (let j = 0; j <= t; j++) {
          const v = head(j, hd, 2);
          for (let i = 0; i < dh; i++) ctx[t][hd * dh + i] += probs[j] * v[i];
        }
      }
      layerAttn.push(headAttn);
    }
    attention.push(layerAttn);
    const attn = linear(ctx, get(`${p}attention.dense.weight`), get(`${p}attention.dense.bias`), d, d);
    const mlp = (input: Mat) => {
      const y = layerNorm(input, get(`${p}post_attention_layernorm.weight`), get(`${p}post_attention_layernorm.bias`), c.layer_norm_eps);
      const up = linear(y, get(`${p}mlp.dense_h_to_4h.weight`), get(`${p}mlp.dense_h_to_4h.bias`), d, c.intermediate_size).map((row) => row.map((v) => gelu(c.hidden_act, v)));
      return linear(up, get(`${p}mlp.dense_4h_to_h.weight`), get(`${p}mlp.dense_4h_to_h.bias`), c.intermediate_size, d);
    };
    if (c.use_parallel_residual) {
      const m = mlp(h);
      h = h.map((row, t) => row.map((v, i) => v + attn[t][i] + m[t][i]));
    } else {
      h = h.map((row, t) => row.map((v, i) => v + attn[t][i]));
      const m = mlp(h);
      h = h.map((row, t) => row.map((v, i) => v + m[t][i]));
    }
  }
  h = layerNorm(h, get('gpt_neox.final_layer_norm.weight'), get('gpt_neox.final_layer_norm.bias'), c.layer_norm_eps);
  return { ...referenceHead(h, get('embed_out.weight'), c.vocab_size, ids), attention };
}
