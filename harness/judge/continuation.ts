import type { Check } from '../spec/probe.js';
import type { JudgeKind } from './judge.js';
import { encodePrompt } from './judge.js';

type Continuation = { kind: 'continuation'; maxTokens: number; check: Check };

/** Greedy-decodes, then asks the check about the text (stopping at end-of-text). */
export const continuationJudge: JudgeKind<Continuation> = {
  requests: (j, prompt, tok) => [{
    kind: 'greedy',
    context: encodePrompt(prompt, tok),
    maxTokens: j.maxTokens,
    stopIds: tok.eosId === undefined ? [] : [tok.eosId],
  }],
  decide: (j, [a], tok) => {
    if (a.kind !== 'greedy') throw new Error('continuation: expected a greedy answer');
    const ids = tok.eosId === undefined ? a.tokens : a.tokens.filter((id) => id !== tok.eosId);
    const text = tok.decode(ids);
    const pass: unknown = j.check.test(text);
    // An async check returns a Promise, which would count as a pass.
    if (typeof pass !== 'boolean') throw new Error(`check "${j.check.name}" returned ${pass instanceof Promise ? 'a Promise' : typeof pass}, not true or false`);
    return { pass, output: JSON.stringify(text) };
  },
};
