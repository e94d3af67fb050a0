import type { Prompt } from '../spec/probe.js';
import type { JudgeKind } from './judge.js';
import { encodePrompt } from './judge.js';

type Copying = { kind: 'copying'; segment: Prompt; minAccuracy: number };

/** prompt + segment + segment; top-1 accuracy over the second copy. */
export const copyingJudge: JudgeKind<Copying> = {
  requests: (j, prompt, tok) => {
    const segment = encodePrompt(j.segment, tok);
    const ids = [...encodePrompt(prompt, tok), ...segment, ...segment];
    return [{ kind: 'tokens', ids, from: ids.length - segment.length + 1 }];
  },
  decide: (j, [a], tok) => {
    if (a.kind !== 'tokens') throw new Error('copying: expected a tokens answer');
    const n = encodePrompt(j.segment, tok).length;
    const end = a.ids.length;
    // The repeat's first token has no earlier occurrence to copy from: it is not counted.
    let hits = 0;
    for (let t = end - n + 1; t < end; t++) if (a.top1[t] === a.ids[t]) hits++;
    const accuracy = n > 1 ? hits / (n - 1) : 0;
    return { pass: accuracy >= j.minAccuracy, output: `top-1 accuracy ${(100 * accuracy).toFixed(0)}% on the repeat`, score: accuracy };
  },
};
