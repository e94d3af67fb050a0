import type { GraphBuilder } from './graph.js';

/** Graph pieces shared by every decoder-only architecture. */

export const MS = { domain: 'com.microsoft' };

/**
 * The graph's inputs: token ids [B, T]; the positions to score [B, K] (all of them, or only the
 * last one when decoding); and the token whose log-prob each scored position should report [B, K].
 */
export function tokenInputs(g: GraphBuilder): { ids: string; targets: string; scored: string; seqLen: string } {
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const scored = g.input('score_positions', 'int64', ['batch', 'scored']);
  const targets = g.input('target_ids', 'int64', ['batch', 'scored']);
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.int64s([1], [])], { axis: 0 });
  return { ids, targets, scored, seqLen };
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
 * Returns the context [B, H, T, dim] and the probabilities [B, H, T, T].
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
