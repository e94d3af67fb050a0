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
 * Token ids to repeat: not a special token, and text of its own (a byte fragment decodes to
 * U+FFFD or a `<0xNN>` piece, and would not survive being written out as text).
 */
function usableIds({ tokenizer, vocabSize }: ProbeContext): number[] {
  const special = new Set([tokenizer.eosId, tokenizer.bosId]);
  return Array.from({ length: vocabSize }, (_, id) => id).filter((id) => {
    if (special.has(id)) return false;
    const text = tokenizer.decode([id]);
    return text.trim().length > 0 && !text.includes('\uFFFD') && !/<0x[0-9A-F]{2}>/.test(text);
  });
}

function usableId(ctx: ProbeContext): fc.Arbitrary<number> {
  const ids = usableIds(ctx);
  if (ids.length < 30) throw new Error(`only ${ids.length} token ids decode to text of their own; induction needs at least 30`);
  // Uniform over the usable ids: fast-check otherwise favours the ends of a range.
  return fc.noBias(fc.integer({ min: 0, max: ids.length - 1 })).map((i) => ids[i]);
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
