import { allPositions, type ForwardOptions, type ForwardResult, type LanguageModel } from '../../harness/model/language-model.js';
import type { TextTokenizer } from '../../harness/tokenize/tokenizer.js';

/** One token per character of `alphabet`; the last character is end-of-text. */
export function charTokenizer(alphabet: string): TextTokenizer {
  const chars = [...alphabet];
  return {
    vocabSize: chars.length,
    eosId: chars.length - 1,
    encode: (text) => [...text].map((c) => {
      const id = chars.indexOf(c);
      if (id < 0) throw new Error(`char tokenizer: no token for ${JSON.stringify(c)}`);
      return id;
    }),
    decode: (ids) => ids.map((i) => chars[i]).join(''),
    tokenText: (id) => chars[id],
  };
}

/**
 * A model whose answers are known: p(next | current) depends only on the current token, and
 * the most likely successor of token i is `successor(i)` (with probability `confidence`).
 */
export function bigramModel(vocabSize: number, successor: (i: number) => number, confidence = 0.6): LanguageModel {
  const logp = (cur: number, nxt: number) => Math.log(nxt === successor(cur) ? confidence : (1 - confidence) / (vocabSize - 1));
  return {
    source: 'bigram',
    vocabSize,
    contextLength: 64,
    device: 'cpu',
    async forward(ids: number[][], targets: number[][], opts: ForwardOptions = {}): Promise<ForwardResult> {
      const positions = opts.positions ?? allPositions(ids.length, ids[0].length);
      const K = positions[0].length;
      const logprobs = new Float32Array(ids.length * K);
      const top1 = new Int32Array(ids.length * K);
      positions.forEach((row, b) => row.forEach((t, k) => {
        logprobs[b * K + k] = logp(ids[b][t], targets[b][k]);
        top1[b * K + k] = successor(ids[b][t]);
      }));
      return { logprobs, top1 };
    },
    async dispose() {},
  };
}
