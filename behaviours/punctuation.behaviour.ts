import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { behaviour, choice, type ProbeInput } from '../harness/spec/index.js';

const read = (...path: string[]) => readFileSync(join(import.meta.dirname, 'data', ...path), 'utf8');
const paragraphs = read('openwebtext', 'openwebtext_first100docs.txt').split('\n\n').map((p) => p.trim()).filter(Boolean);
const speeches = read('tinyshakespeare', 'input.txt').split('\n\n').map((s) => s.split('\n'))
  .filter((s) => s.length > 1 && /^[A-Za-z' ]+:$/.test(s[0])).map((s) => s.slice(1).join('\n'));

/** Sentences, split after a mark that follows a lower-case letter or digit, before a capital. */
const sentencesOf = (text: string) => text.split(/(?<=[\p{Ll}\d][.?!]["”’)]?)[ \n]+(?=["“‘(]?\p{Lu})/u);

const QUOTES = /["“”]/;
const MAX_PROMPT = 220;

/** `n` items spread evenly over the list (the same ones every run). */
const spread = <T>(items: readonly T[], n: number): T[] =>
  items.length <= n ? [...items] : Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);

/** Sentences without quotes that end in `mark` after a lower-case word; the prompt is the sentence without its mark. */
function endingIn(texts: readonly string[], mark: string): string[] {
  return texts.flatMap(sentencesOf)
    .filter((s) => s.endsWith(mark) && /(^|[^\p{L}'])\p{Ll}{2,}.$/u.test(s) && !QUOTES.test(s) && s.length >= 20 && s.length <= MAX_PROMPT)
    .map((s) => s.slice(0, -1));
}

const MARKS = ['.', '?', '!'];
const MARK_NAME: Record<string, string> = { '.': 'period', '?': 'question', '!': 'exclamation', ',': 'comma' };
const finalMark = (prompt: string, mark: string, source: string) =>
  choice(prompt, MARKS, mark, ['kind:final-mark', `mark:${MARK_NAME[mark]}`, `source:${source}`]);

// Questions and statements in equal numbers, so always answering "." scores about half.
const finalMarks: ProbeInput[] = [
  ...spread(endingIn(paragraphs, '?'), 25).map((p) => finalMark(p, '?', 'openwebtext')),
  ...spread(endingIn(speeches, '?'), 25).map((p) => finalMark(p, '?', 'shakespeare')),
  ...spread(endingIn(paragraphs, '.'), 30).map((p) => finalMark(p, '.', 'openwebtext')),
  ...spread(endingIn(speeches, '.'), 20).map((p) => finalMark(p, '.', 'shakespeare')),
  ...spread(endingIn(speeches, '!'), 20).map((p) => finalMark(p, '!', 'shakespeare')),
];

/**
 * A quotation that ends in a mark then its closing quote, cut before the mark: the mark with the
 * quote closed must beat the mark alone. The prompt starts at the sentence holding the opening quote.
 */
function openQuotes(text: string): ProbeInput[] {
  const out: ProbeInput[] = [];
  for (const m of text.matchAll(/(["“])([^"“”\n]{8,150}?\p{Ll})([,.?!])(["”])/gu)) {
    const [, open, , mark, close] = m;
    if ((open === '"') !== (close === '"')) continue;
    const before = text.slice(0, m.index);
    const start = Math.max(0, ...[...before.matchAll(/[.?!]["”]? +(?=["“]?\p{Lu})/gu)].map((b) => b.index + b[0].length));
    const prompt = text.slice(start, m.index + m[0].length - 2);
    if (prompt.length > MAX_PROMPT || QUOTES.test(text.slice(start, m.index))) continue;
    out.push(choice(prompt, [mark + close, mark], 0, ['kind:closing-quote', 'quote:open', `mark:${MARK_NAME[mark]}`, `style:${close === '"' ? 'straight' : 'curly'}`]));
  }
  return out;
}

/** The same choice with no quote open: the mark alone must win. */
function noQuotes(texts: readonly string[], mark: string, close: string): ProbeInput[] {
  return spread(endingIn(texts, mark), 20).map((p) =>
    choice(p, [mark + close, mark], 1, ['kind:closing-quote', 'quote:none', `mark:${MARK_NAME[mark]}`, `style:${close === '"' ? 'straight' : 'curly'}`]));
}

const allOpen = paragraphs.flatMap(openQuotes);
const closingQuotes: ProbeInput[] = [
  ...spread(allOpen.filter((p) => p.tags!.includes('style:straight')), 30),
  ...spread(allOpen.filter((p) => p.tags!.includes('style:curly')), 30),
  ...noQuotes(paragraphs.slice(0, paragraphs.length >> 1), '.', '"'),
  ...noQuotes(paragraphs.slice(paragraphs.length >> 1), '.', '”'),
];

export default behaviour('punctuation', {
  description: 'Ends a sentence with the right mark (question or statement) and closes an open quotation, but only an open one',
  probes: [finalMarks, closingQuotes],
});
