/**
 * Groups rows into batches, longest first, so that each batch pads little and stays under a
 * token budget. Returns row indices; callers put results back by index.
 */
export function planBatches(lengths: readonly number[], opts: { maxTokens: number; maxRows: number }): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    const width = current.length ? lengths[current[0]] : lengths[i];
    if (current.length && ((current.length + 1) * width > opts.maxTokens || current.length >= opts.maxRows)) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length) batches.push(current);
  return batches;
}
