import type { GraphBuilder } from './graph.js';

/** Graph pieces shared by every decoder-only architecture. */

export const MS = { domain: 'com.microsoft' };

/**
 * The graph's inputs: token ids [B, T]; the positions to score [B, K] (all of them, or only the
 * last one when decoding); and the token whose log-prob each scored position should report [B, K].
 * A graph with a key/value cache also takes each token's absolute position [B, T] and which of
 * the past and new tokens are real [B, P + T] (1) rather than padding (0); without one, token t
 * sits at position t and every token is real.
 */
export interface TokenInputs {
  ids: string;
  targets: string;
  scored: string;
  seqLen: string;
  /** int64 positions, [B, T] with a cache, else [T]. */
  positionIds: string;
  /** int32 [B, P + T], with a cache only. */
  attentionMask?: string;
}

export function tokenInputs(g: GraphBuilder, cache: boolean): TokenInputs {
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const scored = g.input('score_positions', 'int64', ['batch', 'scored']);
  const targets = g.input('target_ids', 'int64', ['batch', 'scored']);
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.int64s([1], [])], { axis: 0 });
  if (!cache) return { ids, targets, scored, seqLen, positionIds: positions(g, seqLen) };
  const positionIds = g.input('position_ids', 'int64', ['batch', 'seq']);
  const attentionMask = g.input('attention_mask', 'int32', ['batch', 'total']);
  return { ids, targets, scored, seqLen, positionIds, attentionMask };
}

/**
 * One layer's cache, keys and values stacked: input `past_<l>` [2, B, kvHeads, P, dim] and
 * output `present_<l>` [2, B, kvHeads, P + T, dim] (the layout of ONNX Runtime's Attention op).
 */
export function pastInput(g: GraphBuilder, layer: number, kvHeads: number, dim: number): string {
  return g.input(`past_${layer}`, 'float32', [2, 'batch', kvHeads, 'past', dim]);
}

export function presentOutput(g: GraphBuilder, value: string, layer: number, kvHeads: number, dim: number): void {
  g.alias(value, `present_${layer}`);
  g.output(`present_${layer}`, 'float32', [2, 'batch', kvHeads, 'total', dim]);
}

/** 0..T-1 as int64, for position embeddings and masks. */
export function positions(g: GraphBuilder, seqLen: string): string {
  return g.op('Range', [g.int64s([0], []), seqLen, g.int64s([1], [])]);
}

/** [T, T] bool, true where a query (row) may attend to a key (column). */
export function causalMask(g: GraphBuilder, seqLen: string): string {
  const pos = positions(g, seqLen);
  const rows = g.op('Unsqueeze', [pos, g.int64s([1])]);
  const cols = g.op('Unsqueeze', [pos, g.int64s([0])]);
  return g.op('LessOrEqual', [cols, rows]);
}

/**
 * [B, 1, T, P + T] bool for a graph with a cache: new token i (at index P + i) may attend to key
 * j when j <= P + i and the mask says key j is real.
 */
export function cachedCausalMask(g: GraphBuilder, seqLen: string, attentionMask: string): string {
  const total = g.op('Gather', [g.op('Shape', [attentionMask]), g.int64s([1], [])], { axis: 0 });
  const past = g.op('Sub', [total, seqLen]);
  const rows = g.op('Unsqueeze', [g.op('Add', [positions(g, seqLen), past]), g.int64s([1])]);
  const cols = g.op('Unsqueeze', [positions(g, total), g.int64s([0])]);
  const causal = g.op('LessOrEqual', [cols, rows]);
  const real = g.op('Unsqueeze', [g.op('Cast', [attentionMask], { to: 9 }), g.int64s([1, 2])]);
  return g.op('And', [causal, real]);
}

/**
 * Keys or values [B, kvHeads, T, dim] of the new tokens after the cached ones: the cache's
 * entry `which` (0 keys, 1 values) of `past` concatenated along the sequence.
 */
export function withPast(g: GraphBuilder, past: string, which: 0 | 1, x: string): string {
  const cached = g.op('Gather', [past, g.int64s([which], [])], { axis: 0 });
  return g.op('Concat', [cached, x], { axis: 2 });
}

/** Keys and values stacked as a cache entry: [2, B, kvHeads, T, dim]. */
export function stackPresent(g: GraphBuilder, k: string, v: string): string {
  const one = (x: string) => g.op('Unsqueeze', [x, g.int64s([0])]);
  return g.op('Concat', [one(k), one(v)], { axis: 0 });
}

/** [B, T, heads * dim] -> [B, heads, T, dim] */
export function splitHeads(g: GraphBuilder, x: string, heads: number, dim: number): string {
  return g.op('Transpose', [g.op('Reshape', [x, g.int64s([0, 0, heads, dim])])], { perm: [0, 2, 1, 3] });
}

/** [B, heads, T, dim] -> [B, T, heads * dim] */
export function mergeHeads(g: GraphBuilder, x: string, heads: number, dim: number): string {
  return g.op('Reshape', [g.op('Transpose', [x], { perm: [0, 2, 1, 3] }), g.int64s([0, 0, heads * dim])]);
}

/**
 * Grouped-query attention's key/value heads, repeated for the query heads that share them:
 * [B, kvHeads, T, dim] -> [B, kvHeads * repeats, T, dim], query head h reading kv head h / repeats.
 */
export function repeatKv(g: GraphBuilder, x: string, kvHeads: number, repeats: number, dim: number): string {
  if (repeats === 1) return x;
  const grouped = g.op('Unsqueeze', [x, g.int64s([2])]);
  const copies = g.op('Expand', [grouped, g.int64s([1, 1, repeats, 1, 1])]);
  return g.op('Reshape', [copies, g.int64s([0, kvHeads * repeats, -1, dim])]);
}

/**
 * Softmax attention written out op by op, so the probabilities can be a graph output.
 * q, k, v: [B, H, T, dim] (grouped k and v go through `repeatKv` first).
 * `mask` is [T, T] (causalMask) or, with a cache, [B, 1, T, P + T] (cachedCausalMask) and k, v
 * then hold the past too. Returns the context [B, H, T, dim] and the probabilities [B, H, T, P + T].
 */
export function causalAttention(
  g: GraphBuilder,
  q: string, k: string, v: string,
  opts: { scale: number; mask: string },
): { context: string; probs: string } {
  const kT = g.op('Transpose', [k], { perm: [0, 1, 3, 2] });
  const scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.floats([opts.scale], [])]);
  const masked = g.op('Where', [opts.mask, scores, g.floats([-Infinity], [])]);
  const probs = g.op('Softmax', [masked], { axis: -1 });
  return { context: g.op('MatMul', [probs, v]), probs };
}

/**
 * The language-model head, run only at the scored positions: outputs `logprobs` [B, K] =
 * log p(target | ids up to that position) and `top1` [B, K] = the argmax there. Full logits
 * never leave the graph.
 */
export function logprobOutputs(g: GraphBuilder, hidden: string, unembed: string, scored: string, targets: string, width: number): void {
  const picked = g.op('GatherND', [hidden, g.op('Unsqueeze', [scored, g.int64s([2])])], { batch_dims: 1 });
  const flat = g.op('Reshape', [picked, g.int64s([-1, width])]);
  const logits = g.op('Gemm', [flat, unembed], { transB: 1 });
  const lse = g.op('ReduceLogSumExp', [logits], { axes: [1], keepdims: 1 });
  const target = g.op('GatherElements', [logits, g.op('Reshape', [targets, g.int64s([-1, 1])])], { axis: 1 });
  const shape = g.op('Shape', [scored]);
  g.alias(g.op('Reshape', [g.op('Sub', [target, lse]), shape]), 'logprobs');
  g.alias(g.op('Reshape', [g.op('ArgMax', [logits], { axis: 1, keepdims: 0 }), shape]), 'top1');
  g.output('logprobs', 'float32', ['batch', 'scored']);
  g.output('top1', 'int64', ['batch', 'scored']);
}

/** Activation functions by the names Hugging Face configs use. */
export function activation(g: GraphBuilder, name: string, x: string): string {
  switch (name) {
    case 'gelu_new':
    case 'gelu_fast':
    case 'gelu_pytorch_tanh':
      return g.op('FastGelu', [x], {}, MS);
    case 'gelu':
      return g.op('Gelu', [x], {}, MS);
    case 'relu':
      return g.op('Relu', [x]);
    case 'silu':
    case 'swish':
      return g.op('Mul', [x, g.op('Sigmoid', [x])]);
    default:
      throw new Error(`unsupported activation ${name}`);
  }
}

export const ACTIVATIONS = ['gelu_new', 'gelu_fast', 'gelu_pytorch_tanh', 'gelu', 'relu', 'silu', 'swish'] as const;
