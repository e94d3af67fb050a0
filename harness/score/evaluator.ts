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
  const scored: { index: number; ids: number[] }[] = [];
  const greedy: number[] = [];
  requests.forEach((r, i) => {
    if (r.kind === 'loglikelihood') {
      if (r.context.length === 0) throw new LmbError('EMPTY_CONTEXT', 'a loglikelihood request has an empty context', 'Start the prompt with at least one token');
      scored.push({ index: i, ids: [...r.context, ...r.continuation] });
    } else if (r.kind === 'tokens') scored.push({ index: i, ids: [...r.ids] });
    else greedy.push(i);
  });

  const scores = await scorer.score(scored.map((s) => s.ids));
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

  const generated = greedy.map(() => [] as number[]);
  const active = new Set(greedy.map((_, k) => k).filter((k) => (requests[greedy[k]] as Extract<Request, { kind: 'greedy' }>).maxTokens > 0));
  for (let step = 0; active.size > 0; step++) {
    const ks = [...active];
    // A placeholder token after each sequence makes the scorer report the next-token argmax.
    const seqs = ks.map((k) => {
      const r = requests[greedy[k]] as Extract<Request, { kind: 'greedy' }>;
      return [...r.context, ...generated[k], 0];
    });
    const out = await scorer.score(seqs);
    ks.forEach((k, j) => {
      const r = requests[greedy[k]] as Extract<Request, { kind: 'greedy' }>;
      const token = out[j].top1[seqs[j].length - 1];
      generated[k].push(token);
      if (generated[k].length >= r.maxTokens || r.stopIds?.includes(token)) active.delete(k);
    });
  }
  greedy.forEach((index, k) => (answers[index] = { kind: 'greedy', tokens: generated[k] }));
  return answers;
}
