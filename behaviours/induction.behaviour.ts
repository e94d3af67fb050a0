import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { behaviour, copying, fc, type ProbeContext, type Prompt } from '../harness/spec/index.js';

const read = (...path: string[]) => readFileSync(join(import.meta.dirname, 'data', ...path), 'utf8');

/** The document start the family was trained with (end-of-text for GPT-2), or nothing. */
const start = ({ tokenizer }: ProbeContext): Prompt => {
  const id = tokenizer.eosId ?? tokenizer.bosId;
  return { ids: id === undefined ? [] : [id] };
};

/**
 * Token ids to repeat: not a special token, and text that encodes back to the same single id
 * (a byte fragment or a token the tokenizer never produces has an untrained embedding).
 */
function usableId({ tokenizer, vocabSize }: ProbeContext): fc.Arbitrary<number> {
  const special = new Set([tokenizer.eosId, tokenizer.bosId]);
  // Uniform over the vocabulary: fast-check otherwise favours ids near the ends of the range.
  return fc.noBias(fc.integer({ min: 0, max: vocabSize - 1 })).filter((id) => {
    if (special.has(id)) return false;
    const again = tokenizer.encode(tokenizer.decode([id]));
    return again.length === 1 && again[0] === id;
  });
}

// Random tokens have nothing to predict them by but the first copy: half right means copying.
const randomTokens = (ctx: ProbeContext) => fc.uniqueArray(usableId(ctx), { minLength: 20, maxLength: 30 })
  .map((ids) => copying(start(ctx), { ids }, 0.5, ['kind:random-tokens', `length:${ids.length < 25 ? '20-24' : '25-30'}`]));

// Natural sentences are partly predictable without copying, so the bar is higher.
const sentences = (text: string) => text.split(/(?<=[a-z][.?!]) +(?=[A-Z])/);
const webSentences = read('openwebtext', 'openwebtext_first100docs.txt').split('\n\n')
  .flatMap((p) => sentences(p.trim())).filter((s) => s.length >= 60 && s.length <= 140 && /^[A-Z][^\n]*[a-z][.?!]$/.test(s));
const verseLines = read('tinyshakespeare', 'input.txt').split('\n')
  .filter((l) => l.length >= 40 && l.length <= 80 && /^[A-Z][^:]*[a-z][.,;?!]$/.test(l));
const spread = <T>(items: readonly T[], n: number): T[] => Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);

const naturalText = (ctx: ProbeContext) => [
  ...spread(webSentences, 60).map((s) => copying(start(ctx), ` ${s}`, 0.8, ['kind:natural-text', 'source:openwebtext'])),
  ...spread(verseLines, 40).map((s) => copying(start(ctx), ` ${s}`, 0.8, ['kind:natural-text', 'source:shakespeare'])),
];

export default behaviour('induction', {
  description: 'Copies a repeated sequence: 20-30 random tokens (top-1 accuracy >= 0.5 on the repeat) and a natural sentence (>= 0.8)',
  probes: [
    { arbitrary: randomTokens, seed: 3801, count: 200 },
    naturalText,
  ],
  floors: [{ rate: 0.85, suites: ['crfm-gpt2-small', 'crfm-gpt2-medium'] }],
});
