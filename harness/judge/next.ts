import type { JudgeKind } from './judge.js';
import { encodeContinuation } from './judge.js';

type Next = { kind: 'next'; expected: string };

/** Teacher-forced: greedy decoding yields `expected` exactly when every token of it is the argmax. */
export const nextJudge: JudgeKind<Next> = {
  requests: (j, prompt, tok) => [{ kind: 'loglikelihood', ...encodeContinuation(prompt, j.expected, tok) }],
  decide: (j, [a]) => {
    if (a.kind !== 'loglikelihood') throw new Error('next: expected a loglikelihood answer');
    return {
      pass: a.isGreedy,
      output: a.isGreedy ? JSON.stringify(j.expected) : `not ${JSON.stringify(j.expected)} (log p = ${a.logprob.toFixed(3)})`,
      score: a.logprob,
    };
  },
};
