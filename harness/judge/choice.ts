import type { JudgeKind } from './judge.js';
import { encodeContinuation } from './judge.js';

type Choice = { kind: 'choice'; options: readonly string[]; answer: number };

/** The answer must have the highest summed log-prob of all options. */
export const choiceJudge: JudgeKind<Choice> = {
  requests: (j, prompt, tok) => j.options.map((o) => ({ kind: 'loglikelihood' as const, ...encodeContinuation(prompt, o, tok) })),
  decide: (j, answers) => {
    const lps = answers.map((a) => (a.kind === 'loglikelihood' ? a.logprob : -Infinity));
    const best = lps.indexOf(Math.max(...lps));
    const others = lps.filter((_, i) => i !== j.answer);
    return {
      pass: best === j.answer,
      output: JSON.stringify(j.options[best]),
      score: lps[j.answer] - Math.max(...others),
    };
  },
};
