import type { GraphBuilder } from './graph.js';

/** Graph pieces shared by every decoder-only architecture. */

export const MS = { domain: 'com.microsoft' };

/**
 * The graph's inputs: token ids [B, T]; the N positions to score, as flat indices b * T + t
 * into the batch (the head runs there only); and the token whose log-prob each should report [N].
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
  const scored = g.input('score_index', 'int64', ['scored']);
  const targets = g.input('target_ids', 'int64', ['scored']);
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.int64s([1], [])], { axis: 0 });
  if (!cache) return { ids, targets, scored, seqLen, positionIds: positions(g, seqLen) };
  const positionIds = g.input('position_ids', 'int64', ['batch', 'seq']);
  const attentionMask = g.input('attention_mask', 'int32', ['batch', 'total']);
  return { ids, targets, scored, seqLen, positionIds, attentionMask };
}

/** One layer's cached keys and values, inputs `past_key_<l>` and `past_value_<l>`: [B, kvHeads, P, dim] each. */
export interface Past {
  keys: string;
  values: string;
}

export function pastInputs(g: GraphBuilder, layer: number, kvHeads: number, dim: number): Past {
  const input = (name: string) => g.input(`past_${name}_${layer}`, 'float32', ['batch', kvHeads, 'past', dim]);
  return { keys: input('key'), values: input('value') };
}

/**
 * The new tokens' keys and values, outputs `new_key_<l>` and `new_value_<l>` [B, kvHeads, T, dim]:
 * only the new ones, so the cache is never copied through the graph.
 */
export function newTokenOutputs(g: GraphBuilder, layer: number, k: string, v: string, kvHeads: number, dim: number): void {
  for (const [name, value] of [['key', k], ['value', v]]) {
    g.alias(value, `new_${name}_${layer}`);
    g.output(`new_${name}_${layer}`, 'float32', ['batch', kvHeads, 'seq', dim]);
  }
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

/** [B, T, heads * dim] -> [B, heads, T, dim] */
export function splitHeads(g: GraphBuilder, x: string, heads: number, dim: number): string {
  return g.op('Transpose', [g.op('Reshape', [x, g.int64s([0, 0, heads, dim])])], { perm: [0, 2, 1, 3] });
}

/** [B, heads, T, dim] -> [B, T, heads * dim] */
export function mergeHeads(g: GraphBuilder, x: string, heads: number, dim: number): string {
  return g.op('Reshape', [g.op('Transpose', [x], { perm: [0, 2, 1, 3] }), g.int64s([0, 0, heads * dim])]);
}

/**
 * Softmax attention written out op by op, so the probabilities can be a graph output.
 * q: [B, heads, T, dim]; k, v: [B, kvHeads, T, dim], query head h reading key/value head
 * h / (heads / kvHeads) (grouped-query attention, without copying keys or values per query head).
 * `mask` is [T, T] (causalMask) or, with a past, [B, 1, T, P + T] (cachedCausalMask): the past's
 * P keys are scored apart from the new ones and the two joined only as scores, so the cache is
 * read where it lies. Returns the context [B, heads, T, dim] and the probabilities [B, heads, T, P + T].
 */
export function causalAttention(
  g: GraphBuilder,
  q: string, k: string, v: string,
  opts: { scale: number; mask: string; heads: number; kvHeads: number; past?: Past },
): { context: string; probs: string } {
  const { heads, kvHeads } = opts;
  // [B, heads, T, n] <-> [B, kvHeads, (heads / kvHeads) * T, n]: each group's queries as one
  // block. Sizes are spelled out (0 keeps the input's), as -1 cannot reshape an empty past.
  let regroup = (x: string) => x;
  let ungroup = (x: string) => x;
  if (heads !== kvHeads) {
    const T = g.op('Slice', [g.op('Shape', [q]), g.int64s([2]), g.int64s([3])]);
    const shapeOf = (groups: number, rows: string) => g.op('Concat', [g.int64s([0, groups]), rows, g.int64s([0])], { axis: 0 });
    const [groupedShape, ungroupedShape] = [shapeOf(kvHeads, g.op('Mul', [T, g.int64s([heads / kvHeads])])), shapeOf(heads, T)];
    regroup = (x) => g.op('Reshape', [x, groupedShape]);
    ungroup = (x) => g.op('Reshape', [x, ungroupedShape]);
  }
  const grouped = regroup(q);
  const scoresOf = (keys: string) => ungroup(g.op('MatMul', [grouped, g.op('Transpose', [keys], { perm: [0, 1, 3, 2] })]));
  const newScores = scoresOf(k);
  const scores = opts.past ? g.op('Concat', [scoresOf(opts.past.keys), newScores], { axis: -1 }) : newScores;
  const masked = g.op('Where', [opts.mask, g.op('Mul', [scores, g.floats([opts.scale], [])]), g.floats([-Infinity], [])]);
  const probs = g.op('Softmax', [masked], { axis: -1 });
  if (!opts.past) return { context: ungroup(g.op('MatMul', [regroup(probs), v])), probs };
  const shape = (x: string, axis: number) => g.op('Slice', [g.op('Shape', [x]), g.int64s([axis]), g.int64s([axis + 1])]);
  const sizes = g.op('Concat', [shape(opts.past.keys, 2), shape(k, 2)], { axis: 0 });
  const [fromPast, fromNew] = g.opN('Split', [probs, sizes], 2, { axis: -1 });
  const context = g.op('Add', [g.op('MatMul', [regroup(fromPast), opts.past.values]), g.op('MatMul', [regroup(fromNew), v])]);
  return { context: ungroup(context), probs };
}

/**
 * cos and sin of rotary angles `[positions, width]` (row-major), gathered at `positionIds` and
 * unsqueezed at `axes` to broadcast against the heads. Tables looked up by position rather than
 * Cos and Sin ops, whose GPU versions may approximate (WebGPU's were off by 2e-4).
 */
export function rotaryTables(g: GraphBuilder, angles: readonly number[], dims: [number, number], positionIds: string, axes: number[]): { cos: string; sin: string } {
  const at = (fn: (x: number) => number) => {
    const picked = g.op('Gather', [g.floats(angles.map(fn), dims), positionIds]);
    return axes.length ? g.op('Unsqueeze', [picked, g.int64s(axes)]) : picked;
  };
  return { cos: at(Math.cos), sin: at(Math.sin) };
}

/** Kernel choices a graph builder takes from the provider it is built for (runtime/session.ts). */
export interface Kernels {
  head: 'LogSoftmax' | 'ReduceLogSumExp';
}

/**
 * The language-model head, run only at the scored positions: outputs `logprobs` [N] =
 * log p(target | ids up to that position) and `top1` [N] = the argmax there. Full logits
 * never leave the graph.
 */
export function logprobOutputs(g: GraphBuilder, hidden: string, unembed: string, scored: string, targets: string, width: number,
  kernels: Kernels): void {
  const picked = g.op('Gather', [g.op('Reshape', [hidden, g.int64s([-1, width])]), scored], { axis: 0 });
  const logits = g.op('Gemm', [picked, unembed], { transB: 1 });
  const column = g.op('Unsqueeze', [targets, g.int64s([1])]);
  let logprobs: string;
  if (kernels.head === 'LogSoftmax') {
    logprobs = g.op('LogSoftmax', [logits], { axis: 1 });
    g.alias(g.op('Squeeze', [g.op('GatherElements', [logprobs, column], { axis: 1 }), g.int64s([1])]), 'logprobs');
  } else {
    // For providers without LogSoftmax (WebGPU). Spelled out as max, exp and sum it ran 4x faster
    // on the CPU, but held one more vocabulary-wide tensor (peak RSS 2.34x -> 2.76x the fp32 weights).
    logprobs = logits;
    const lse = g.op('ReduceLogSumExp', [logits], { axes: [1], keepdims: 1 });
    const target = g.op('GatherElements', [logits, column], { axis: 1 });
    g.alias(g.op('Squeeze', [g.op('Sub', [target, lse]), g.int64s([1])]), 'logprobs');
  }
  // The argmax of the log-probabilities, so the logits need not outlive LogSoftmax.
  g.alias(g.op('ArgMax', [logprobs], { axis: 1, keepdims: 0 }), 'top1');
  g.output('logprobs', 'float32', ['scored']);
  g.output('top1', 'int64', ['scored']);
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
