import { LmbError } from '../errors.js';
import type { Answer, Request } from './requests.js';
import type { Scorer } from './scorer.js';

/**
 * Answers a list of requests with one model, in as few forward passes as it can: every
 * loglikelihood and tokens request goes through the scorer together; greedy requests decode in
 * lock-step, one token per pass for all of them. Answers come back in request order.
 */
export async function answerRequests(scorer: Scorer, requests: readonly Request[]): Promise<Answer[]> {
  const answers: Answer[] = new Array(requests.length);
  const scored: { index: number; ids: number[]; from: number }[] = [];
  const greedy: number[] = [];
  requests.forEach((r, i) => {
    if (r.kind === 'loglikelihood') {
      if (r.context.length === 0) throw new LmbError('CONTEXT_EMPTY', 'a loglikelihood request has an empty context', 'Start the prompt with at least one token');
      scored.push({ index: i, ids: [...r.context, ...r.continuation], from: r.context.length });
    } else if (r.kind === 'tokens') scored.push({ index: i, ids: [...r.ids], from: r.from ?? 1 });
    else greedy.push(i);
  });

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
    for (let t = r.context.length; t < s.ids.length; t++) {
      logprob += s.logprobs[t];
      if (s.top1[t] !== s.ids[t]) isGreedy = false;
    }
    answers[index] = { kind: 'loglikelihood', logprob, isGreedy };
  });

  const decoding = greedy.map((i) => requests[i] as Extract<Request, { kind: 'greedy' }>);
  const generated = greedy.map(() => [] as number[]);
  const active = new Set(decoding.map((_, k) => k).filter((k) => decoding[k].maxTokens > 0));
  while (active.size > 0) {
    const ks = [...active];
    const next = await scorer.nextTokens(ks.map((k) => [...decoding[k].context, ...generated[k]]));
    ks.forEach((k, j) => {
      const r = decoding[k];
      generated[k].push(next[j]);
      if (generated[k].length >= r.maxTokens || r.stopIds?.includes(next[j])) active.delete(k);
    });
  }
  greedy.forEach((index, k) => (answers[index] = { kind: 'greedy', tokens: generated[k] }));
  return answers;
}
