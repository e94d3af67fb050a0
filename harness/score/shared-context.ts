import { gatherRows, keepRows, type KvCache } from '../model/kv-cache.js';
import type { CachedForwardResult, LanguageModel } from '../model/language-model.js';
import { PASS_TOKENS, planBatches } from './batches.js';

/**
 * Loglikelihood and greedy requests answered through a model's key/value cache, grouped by
 * context: each distinct context runs once; its continuations are scored from its keys and
 * values, and greedy decoding feeds one token per row per step, rows leaving as they finish.
 * Only requests that fit the context window come here (answerRequests sends the rest through
 * the scorer's windows); the numbers are those of one forward pass over context + continuation.
 */

export interface LoglikelihoodItem {
  readonly context: readonly number[];
  readonly continuation: readonly number[];
}
export interface GreedyItem {
  readonly context: readonly number[];
  readonly maxTokens: number;
  readonly stopIds?: readonly number[];
}
export interface LoglikelihoodResult {
  logprob: number;
  isGreedy: boolean;
}
/** Tokens decoded so far; `unfinished` when the row reached the context window first. */
export interface GreedyResult {
  tokens: number[];
  unfinished: boolean;
}

export interface CacheBudget {
  /** Padded new tokens per forward pass. */
  batchTokens: number;
  /** Rows per forward pass. */
  batchRows: number;
  /** Bytes of keys and values one batch may hold (its past and present). */
  cacheBytes: number;
}

export type CachedModel = LanguageModel & Required<Pick<LanguageModel, 'forwardCached' | 'cacheTokenBytes'>>;

/** Contexts in first-seen order, each with the indices of the items that share it. */
function byContext<T extends { context: readonly number[] }>(items: readonly T[]): { context: readonly number[]; members: number[] }[] {
  const groups = new Map<string, { context: readonly number[]; members: number[] }>();
  items.forEach((it, i) => {
    const k = it.context.join(',');
    const g = groups.get(k) ?? { context: it.context, members: [] };
    g.members.push(i);
    groups.set(k, g);
  });
  return [...groups.values()];
}

/** Right-pads rows to the longest; `positions`/`targets` lists are padded by repeating their last entry. */
function padded(rows: readonly (readonly number[])[]): number[][] {
  const width = Math.max(...rows.map((r) => r.length));
  return rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(r.at(-1) ?? 0)]);
}

/** A scored position of a pass: the output at `at` should give `target`, for item `m`. */
interface Scored {
  m: number;
  at: number;
  target: number;
}

/** One pass over right-padded rows: each scored position's log-prob and greedy check go to its item. */
async function scoredPass(model: CachedModel, ids: readonly (readonly number[])[], past: KvCache | undefined,
  scored: readonly Scored[][], results: LoglikelihoodResult[]): Promise<CachedForwardResult> {
  const out = await model.forwardCached({
    ids: padded(ids),
    lengths: ids.map((r) => r.length),
    past,
    positions: padded(scored.map((s) => (s.length ? s.map((x) => x.at) : [0]))),
    targets: padded(scored.map((s) => (s.length ? s.map((x) => x.target) : [0]))),
  });
  const K = out.logprobs.length / ids.length;
  scored.forEach((row, b) => row.forEach(({ m, target }, k) => {
    results[m].logprob += out.logprobs[b * K + k];
    if (out.top1[b * K + k] !== target) results[m].isGreedy = false;
  }));
  return out;
}

export async function scoreContinuations(model: CachedModel, items: readonly LoglikelihoodItem[], budget: CacheBudget): Promise<LoglikelihoodResult[]> {
  const results: LoglikelihoodResult[] = items.map(() => ({ logprob: 0, isGreedy: true }));
  const cont = (m: number) => items[m].continuation;
  // Each context's longest continuation rides along in the context's own pass; the others are
  // scored after it, from the keys and values of the context alone.
  const groups = byContext(items).map((g) => {
    const rider = g.members.reduce((a, m) => (cont(m).length > cont(a).length ? m : a));
    return { ...g, rider, ids: [...g.context, ...cont(rider).slice(0, -1)] };
  });
  const batches = planBatches(groups.map((g) => g.ids.length), { maxTokens: budget.batchTokens, maxRows: budget.batchRows });
  for (const batch of batches) {
    const rows = batch.map((i) => groups[i]);
    const out = await scoredPass(model, rows.map((g) => g.ids), undefined, rows.map((g) => {
      // The context's last position predicts every continuation's first token.
      const last = g.context.length - 1;
      const firsts = g.members.filter((m) => cont(m).length > 0).map((m) => ({ m, at: last, target: cont(m)[0] }));
      return [...firsts, ...cont(g.rider).slice(1).map((target, k) => ({ m: g.rider, at: last + 1 + k, target }))];
    }), results);
    const rest = rows.flatMap((g, b) => g.members.filter((m) => m !== g.rider && cont(m).length > 1).map((m) => ({ m, row: b, slots: g.context.length })));
    if (rest.length === 0) continue;
    const contexts = out.present();
    const slots = Math.max(...rest.map((r) => r.slots)) + Math.max(...rest.map((r) => cont(r.m).length - 1));
    const restBatches = planBatches(rest.map((r) => cont(r.m).length - 1), {
      maxTokens: budget.batchTokens,
      maxRows: Math.max(1, Math.min(budget.batchRows, Math.floor(budget.cacheBytes / (model.cacheTokenBytes * slots)))),
    });
    for (const rb of restBatches) {
      const part = rb.map((i) => rest[i]);
      await scoredPass(model, part.map(({ m }) => cont(m).slice(0, -1)), gatherRows(part.map(({ row, slots }) => ({ cache: contexts, row, slots }))),
        part.map(({ m }) => cont(m).slice(1).map((target, k) => ({ m, at: k, target }))), results);
    }
  }
  return results;
}

/** How many tokens item `it` takes from a shared decode, given the tokens decoded for its context. */
function taken(it: GreedyItem, tokens: readonly number[]): number | undefined {
  for (let k = 0; k < Math.min(tokens.length, it.maxTokens); k++) if (it.stopIds?.includes(tokens[k])) return k + 1;
  return tokens.length >= it.maxTokens ? it.maxTokens : undefined;
}

export async function decodeGreedy(model: CachedModel, items: readonly GreedyItem[], budget: CacheBudget): Promise<GreedyResult[]> {
  const C = model.contextLength;
  const groups = byContext(items).map((g) => ({ ...g, tokens: [] as number[] }));
  const done = (g: (typeof groups)[number]) => g.members.every((m) => taken(items[m], g.tokens) !== undefined);
  const todo = groups.filter((g) => !done(g));
  // A batch's rows are as many as keep its cache, at the longest row's full length, in budget.
  // Each batch pays a pass per decoded token as well as its prefix pass: few, full batches.
  const steps = todo.map((g) => Math.max(...g.members.map((m) => items[m].maxTokens)));
  const longest = todo.map((g, i) => Math.min(C, g.context.length + steps[i]));
  const batches = planBatches(longest, {
    maxTokens: Math.max(1, Math.floor(budget.cacheBytes / model.cacheTokenBytes)),
    maxRows: budget.batchRows,
    passTokens: PASS_TOKENS * (1 + Math.max(0, ...steps)),
  });
  for (const batch of batches) {
    const rows = batch.map((i) => todo[i]);
    let out: CachedForwardResult = await model.forwardCached({
      ids: padded(rows.map((g) => g.context)),
      lengths: rows.map((g) => g.context.length),
      positions: rows.map((g) => [g.context.length - 1]),
      targets: rows.map(() => [0]),
    });
    // Room for every token the batch may feed, so each step writes into the cache in place.
    let cache = out.present(Math.max(...batch.map((i) => Math.min(C - todo[i].context.length, steps[i]))));
    let active = rows.map((_, b) => b);
    for (;;) {
      active.forEach((b, i) => rows[b].tokens.push(out.top1[i]));
      // The next step feeds the last token as token number context + decoded; rows the
      // window cannot take further are left unfinished, for the caller to slide on.
      const stay = active.flatMap((b, i) => (done(rows[b]) || rows[b].context.length + rows[b].tokens.length >= C ? [] : [i]));
      if (stay.length === 0) break;
      if (stay.length < active.length) cache = keepRows(cache, stay);
      active = stay.map((i) => active[i]);
      out = await model.forwardCached({
        ids: active.map((b) => [rows[b].tokens.at(-1)!]),
        lengths: active.map(() => 1),
        past: cache,
        positions: active.map(() => [0]),
        targets: active.map(() => [0]),
      });
      cache = out.present();
    }
  }
  const results: GreedyResult[] = new Array(items.length);
  for (const g of groups) {
    for (const m of g.members) {
      const n = taken(items[m], g.tokens);
      results[m] = n === undefined ? { tokens: [...g.tokens], unfinished: true } : { tokens: g.tokens.slice(0, n), unfinished: false };
    }
  }
  return results;
}
