/**
 * What one forward pass costs beyond its tokens, in tokens: on the CPU a pass over GPT-2 small
 * takes about 24 ms before its first token, about 30 tokens' worth at its body speed.
 */
export const PASS_TOKENS = 32;

export interface BatchBudget {
  /** Padded tokens per batch at most (a single row may exceed it). */
  maxTokens: number;
  maxRows: number;
  /** A pass's fixed cost in tokens, traded against padding (default PASS_TOKENS). */
  passTokens?: number;
}

/**
 * Groups rows into batches, longest first, under the budget, choosing the cuts that make the
 * fewest padded tokens plus `passTokens` per pass (an exact dynamic programme over the sorted
 * rows): many short rows do not pay for a few long ones, nor a few rows for a pass of their own.
 * Returns row indices; callers put results back by index.
 */
export function planBatches(lengths: readonly number[], budget: BatchBudget): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const n = order.length;
  const pass = budget.passTokens ?? PASS_TOKENS;
  // cost[i]: the cheapest plan for order[i..]; cut[i]: where its first batch ends.
  const cost = new Float64Array(n + 1);
  const cut = new Int32Array(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    const width = lengths[order[i]];
    cost[i] = Infinity;
    const last = Math.min(n, i + Math.max(1, Math.min(budget.maxRows, Math.floor(budget.maxTokens / width))));
    for (let j = i + 1; j <= last; j++) {
      const c = pass + (j - i) * width + cost[j];
      // Ties go to the larger batch: fewer passes.
      if (c <= cost[i]) [cost[i], cut[i]] = [c, j];
    }
  }
  const batches: number[][] = [];
  for (let i = 0; i < n; i = cut[i]) batches.push(order.slice(i, cut[i]));
  return batches;
}
