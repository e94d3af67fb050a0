import { LmbError } from '../errors.js';
import type { Answer, Request } from './requests.js';
import type { Scorer } from './scorer.js';
import { decodeGreedy, scoreContinuations, type CachedModel } from './shared-context.js';

type Loglikelihood = Extract<Request, { kind: 'loglikelihood' }>;
type Greedy = Extract<Request, { kind: 'greedy' }>;

/**
 * Answers a list of requests with one model, in as few forward passes as it can. With a
 * key/value cache, loglikelihood and greedy requests that fit the context window share each
 * context's one forward pass and decode a token per step (shared-context.ts). The rest go
 * through the scorer's windows: loglikelihood and tokens requests scored together, greedy
 * decoding in lock-step, one pass over each whole sequence per token. Answers come back in
 * request order.
 */
export async function answerRequests(scorer: Scorer, requests: readonly Request[]): Promise<Answer[]> {
  const answers: Answer[] = new Array(requests.length);
  const model = scorer.model.forwardCached && scorer.model.cacheTokenBytes ? (scorer.model as CachedModel) : undefined;
  const C = scorer.model.contextLength;
  const scored: { index: number; ids: number[]; from: number }[] = [];
  const viaCache: { index: number; r: Loglikelihood }[] = [];
  const greedy: { index: number; r: Greedy; tokens: number[] }[] = [];
  requests.forEach((r, index) => {
    if (r.kind !== 'tokens' && r.context.length === 0) {
      throw new LmbError('CONTEXT_EMPTY', `a ${r.kind} request has an empty context`, 'Start the prompt with at least one token');
    }
    if (r.kind === 'loglikelihood' && model && r.context.length + r.continuation.length <= C) viaCache.push({ index, r });
    else if (r.kind === 'loglikelihood') scored.push({ index, ids: [...r.context, ...r.continuation], from: r.context.length });
    else if (r.kind === 'tokens') scored.push({ index, ids: [...r.ids], from: r.from ?? 1 });
    else greedy.push({ index, r, tokens: [] });
  });

  if (model && viaCache.length) {
    const results = await scoreContinuations(model, viaCache.map((v) => v.r), scorer.budget);
    viaCache.forEach(({ index }, k) => (answers[index] = { kind: 'loglikelihood', ...results[k] }));
  }
  const scores = await scorer.score(scored.map((s) => s.ids), { from: scored.map((s) => s.from) });
  scored.forEach(({ index }, k) => {
    const r = requests[index];
    const s = scores[k];
    if (r.kind === 'tokens') {
      answers[index] = { kind: 'tokens', ids: s.ids, logprobs: s.logprobs, top1: s.top1 };
      return;
    }
    let logprob = 0;
    let isGreedy = true;
    for (let t = (r as Loglikelihood).context.length; t < s.ids.length; t++) {
      logprob += s.logprobs[t];
      if (s.top1[t] !== s.ids[t]) isGreedy = false;
    }
    answers[index] = { kind: 'loglikelihood', logprob, isGreedy };
  });

  // Decoded through the cache while the window holds the sequence; the rest slide on below.
  let sliding = greedy.filter((g) => g.r.maxTokens > 0);
  if (model) {
    const fits = sliding.filter((g) => g.r.context.length <= C);
    const results = await decodeGreedy(model, fits.map((g) => g.r), scorer.budget);
    fits.forEach((g, k) => (g.tokens = results[k].tokens));
    sliding = [...sliding.filter((g) => g.r.context.length > C), ...fits.filter((_, k) => results[k].unfinished)];
  }
  const active = new Set(sliding);
  while (active.size > 0) {
    const rows = [...active];
    const next = await scorer.nextTokens(rows.map((g) => [...g.r.context, ...g.tokens]));
    rows.forEach((g, j) => {
      g.tokens.push(next[j]);
      if (g.tokens.length >= g.r.maxTokens || g.r.stopIds?.includes(next[j])) active.delete(g);
    });
  }
  for (const g of greedy) answers[g.index] = { kind: 'greedy', tokens: g.tokens };
  return answers;
}
