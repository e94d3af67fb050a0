/**
 * An independent float64 GPT-2 forward pass, written plainly from the Hugging Face modelling
 * code's definition, to check the ONNX graph against. Slow and obvious on purpose.
 */
export interface RefGpt2Config {
  vocab_size: number;
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  layer_norm_epsilon: number;
  activation_function: 'gelu_new' | 'gelu' | 'relu';
  scale_attn_by_inverse_layer_idx: boolean;
}

export type Weights = Map<string, ArrayLike<number>>;

export interface RefOutput {
  /** logprobs[t] = log p(ids[t + 1] | ids[..t]); length T - 1. */
  nextLogprobs: number[];
  /** top1[t] = argmax p(. | ids[..t]); length T. */
  top1: number[];
  /** attention[layer][head][query][key] */
  attention: number[][][][];
}

type Mat = Float64Array[]; // rows

function linear(x: Mat, w: ArrayLike<number>, b: ArrayLike<number>, nIn: number, nOut: number): Mat {
  return x.map((row) => {
    const out = new Float64Array(nOut);
    for (let j = 0; j < nOut; j++) {
      let s = b[j];
      for (let i = 0; i < nIn; i++) s += row[i] * w[i * nOut + j];
      out[j] = s;
    }
    return out;
  });
}

function layerNorm(x: Mat, g: ArrayLike<number>, b: ArrayLike<number>, eps: number): Mat {
  return x.map((row) => {
    const n = row.length;
    const mean = row.reduce((a, v) => a + v, 0) / n;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
  });
}

function act(name: RefGpt2Config['activation_function'], x: number): number {
  if (name === 'relu') return Math.max(0, x);
  if (name === 'gelu') return 0.5 * x * (1 + erf(x / Math.SQRT2));
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

/** Abramowitz-Stegun 7.1.26 is too coarse for 1e-4; use the series / continued fraction. */
export function erf(x: number): number {
  const t = Math.abs(x);
  if (t < 3) {
    let sum = 0;
    let term = t;
    for (let n = 0; n < 100; n++) {
      sum += term / (2 * n + 1);
      term *= (-t * t) / (n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - Math.exp(-t * t) / (t * Math.sqrt(Math.PI)) * (1 - 1 / (2 * t * t)));
}

export function referenceGpt2(c: RefGpt2Config, w: Weights, ids: number[], prefix = 'transformer.'): RefOutput {
  const get = (n: string) => {
    const v = w.get(prefix + n);
    if (!v) throw new Error(`reference: no weight ${prefix + n}`);
    return v;
  };
  const d = c.n_embd;
  const H = c.n_head;
  const dh = d / H;
  const T = ids.length;
  const wte = get('wte.weight');
  const wpe = get('wpe.weight');
  let h: Mat = ids.map((id, t) => Float64Array.from({ length: d }, (_, i) => wte[id * d + i] + wpe[t * d + i]));
  const attention: number[][][][] = [];
  for (let l = 0; l < c.n_layer; l++) {
    const p = `h.${l}.`;
    const x = layerNorm(h, get(`${p}ln_1.weight`), get(`${p}ln_1.bias`), c.layer_norm_epsilon);
    const qkv = linear(x, get(`${p}attn.c_attn.weight`), get(`${p}attn.c_attn.bias`), d, 3 * d);
    let scale = 1 / Math.sqrt(dh);
    if (c.scale_attn_by_inverse_layer_idx) scale /= l + 1;
    const ctx: Mat = Array.from({ length: T }, () => new Float64Array(d));
    const layerAttn: number[][][] = [];
    for (let hd = 0; hd < H; hd++) {
      const headAttn: number[][] = [];
      for (let q = 0; q < T; q++) {
        const scores: number[] = [];
        for (let k = 0; k <= q; k++) {
          let s = 0;
          for (let i = 0; i < dh; i++) s += qkv[q][hd * dh + i] * qkv[k][d + hd * dh + i];
          scores.push(s * scale);
        }
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        const probs = e.map((v) => v / z);
        headAttn.push([...probs, ...new Array(T - q - 1).fill(0)]);
        for (let k = 0; k <= q; k++) {
          for (let i = 0; i < dh; i++) ctx[q][hd * dh + i] += probs[k] * qkv[k][2 * d + hd * dh + i];
        }
      }
      layerAttn.push(headAttn);
    }
    attention.push(layerAttn);
    const attnOut = linear(ctx, get(`${p}attn.c_proj.weight`), get(`${p}attn.c_proj.bias`), d, d);
    h = h.map((row, t) => row.map((v, i) => v + attnOut[t][i]));
    const x2 = layerNorm(h, get(`${p}ln_2.weight`), get(`${p}ln_2.bias`), c.layer_norm_epsilon);
    const inner = get(`${p}mlp.c_fc.bias`).length;
    const f = linear(x2, get(`${p}mlp.c_fc.weight`), get(`${p}mlp.c_fc.bias`), d, inner).map((r) => r.map((v) => act(c.activation_function, v)));
    const mlpOut = linear(f, get(`${p}mlp.c_proj.weight`), get(`${p}mlp.c_proj.bias`), inner, d);
    h = h.map((row, t) => row.map((v, i) => v + mlpOut[t][i]));
  }
  h = layerNorm(h, get('ln_f.weight'), get('ln_f.bias'), c.layer_norm_epsilon);
  return { ...referenceHead(h, wte, c.vocab_size, ids), attention };
}

/**
 * The head of a float64 reference: logits = h · unembed^T (unembed [V, d]) at every position,
 * each position's argmax, and log p(ids[t + 1]) by log-sum-exp.
 */
export function referenceHead(h: readonly Float64Array[], unembed: ArrayLike<number>, vocab: number, ids: readonly number[]): { nextLogprobs: number[]; top1: number[] } {
  const d = h[0]?.length ?? 0;
  const nextLogprobs: number[] = [];
  const top1: number[] = [];
  h.forEach((row, t) => {
    const logits = new Float64Array(vocab);
    for (let v = 0; v < vocab; v++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += row[i] * unembed[v * d + i];
      logits[v] = s;
    }
    let best = 0;
    for (let v = 1; v < vocab; v++) if (logits[v] > logits[best]) best = v;
    top1.push(best);
    const lse = logits[best] + Math.log(logits.reduce((a, v) => a + Math.exp(v - logits[best]), 0));
    if (t + 1 < ids.length) nextLogprobs.push(logits[ids[t + 1]] - lse);
  });
  return { nextLogprobs, top1 };
}
