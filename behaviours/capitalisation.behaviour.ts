import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { behaviour, choice, type ProbeInput } from '../harness/spec/index.js';

const read = (...path: string[]) => readFileSync(join(import.meta.dirname, 'data', ...path), 'utf8');
const webText = read('openwebtext', 'openwebtext_first100docs.txt').split('\n\n').map((p) => p.trim()).filter(Boolean);
// Speeches: "Name:" on the first line, the lines spoken under it.
const speeches = read('tinyshakespeare', 'input.txt').split('\n\n').map((s) => s.split('\n'))
  .filter((s) => s.length > 1 && /^[A-Za-z' ]+:$/.test(s[0]));

// A capitalised word counts only when its lower-case form is a common word of the same texts, so
// proper nouns ("Haiti", "Romeo", whose lower-case forms are wrong anywhere) are left out.
const lowerCounts = new Map<string, number>();
for (const text of [...webText, ...speeches.map((s) => s.join('\n'))]) {
  for (const [w] of text.matchAll(/(?<![\p{L}'’])[a-z]+(?![\p{L}'’])/gu)) lowerCounts.set(w, (lowerCounts.get(w) ?? 0) + 1);
}
const ordinaryWord = (w: string) => /^[A-Z][a-z]+$/.test(w) && (lowerCounts.get(w.toLowerCase()) ?? 0) >= 20;

type After = 'period' | 'question' | 'exclamation' | 'newline';
/** `lead` goes before the word in both options: a space, nothing after a line break, or the second newline of a blank line. */
interface Candidate { prompt: string; lead: string; word: string; after: After; source: string }
const MARK: Record<string, After> = { '.': 'period', '?': 'question', '!': 'exclamation' };
const MAX_PROMPT = 220;

/** A sentence-final mark after a lower-case word (not "Mr." or "U.S."), a space, then an ordinary capitalised word. */
function inlineCandidates(text: string, source: string): Candidate[] {
  const out: Candidate[] = [];
  let sentenceStart = 0;
  for (const m of text.matchAll(/(?<=([\p{L}']+))([.?!])( +)(\S+)/gu)) {
    const markAt = m.index;
    const word = m[4].match(/^[A-Za-z]+/)?.[0] ?? '';
    const prompt = text.slice(sentenceStart, markAt + 1).trim();
    if (/^[a-z]{2,}$/.test(m[1]) && m[3] === ' ' && word === m[4] && ordinaryWord(word) && prompt.length <= MAX_PROMPT && prompt.length >= 20) {
      out.push({ prompt, lead: ' ', word, after: MARK[m[2]], source });
    }
    if (/^[A-Z"“‘(]/.test(m[4])) sentenceStart = markAt + 1 + m[3].length;
  }
  return out;
}

/** Verse: a line of a speech whose lines so far all start with a capital, then a line that starts with an ordinary word. */
function verseCandidates(speech: string[]): Candidate[] {
  const out: Candidate[] = [];
  for (let i = 2; i < speech.length; i++) {
    const word = speech[i].match(/^[A-Za-z]+/)?.[0] ?? '';
    const lines = speech.slice(1, i);
    if (!ordinaryWord(word) || !lines.every((l) => /^[A-Z]/.test(l))) continue;
    // The speaker and as many whole lines before the break as fit.
    let from = i - 1;
    while (from > 1 && speech.slice(from - 1, i).join('\n').length <= MAX_PROMPT - speech[0].length) from--;
    out.push({ prompt: `${speech[0]}\n${speech.slice(from, i).join('\n')}\n`, lead: '', word, after: 'newline', source: 'shakespeare' });
  }
  return out;
}

/**
 * A new paragraph: the previous paragraph's last sentence, a blank line, then an ordinary
 * capitalised word. GPT-2's tokenizer writes a blank line before a word as two "\n" tokens (one
 * "\n\n" token only before more white space), so the prompt ends in the first and each option
 * starts with the second.
 */
function paragraphCandidates(paragraphs: string[]): Candidate[] {
  const out: Candidate[] = [];
  for (let i = 1; i < paragraphs.length; i++) {
    const word = paragraphs[i].match(/^[A-Za-z]+/)?.[0] ?? '';
    const sentences = paragraphs[i - 1].split(/(?<=[.?!]["”]?) (?=["“]?[A-Z])/);
    const last = sentences[sentences.length - 1];
    if (ordinaryWord(word) && paragraphs[i].startsWith(`${word} `) && last.length >= 20 && last.length <= MAX_PROMPT) {
      out.push({ prompt: `${last}\n`, lead: '\n', word, after: 'newline', source: 'openwebtext' });
    }
  }
  return out;
}

/** `n` candidates spread evenly over the list (the same ones every run). */
const spread = <T>(items: readonly T[], n: number): T[] =>
  items.length <= n ? [...items] : Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]);

const web = webText.flatMap((p) => inlineCandidates(p, 'openwebtext'));
const verse = speeches.flatMap((s) => inlineCandidates(s.slice(1).join('\n'), 'shakespeare'));
const pick = (from: Candidate[], after: After, n: number) => spread(from.filter((c) => c.after === after), n);

const candidates = [
  ...pick(web, 'period', 40), ...pick(verse, 'period', 25),
  ...pick(web, 'question', 20), ...pick(verse, 'question', 30),
  // The news sample has few exclamations: Shakespeare supplies most.
  ...pick(web, 'exclamation', 10), ...pick(verse, 'exclamation', 35),
  ...spread(speeches.flatMap(verseCandidates), 40), ...spread(paragraphCandidates(webText), 20),
];

const probes: ProbeInput[] = candidates.map(({ prompt, lead, word, after, source }) =>
  choice(prompt, [lead + word, lead + word.toLowerCase()], 0, [`after:${after}`, `source:${source}`]));

export default behaviour('capitalisation', {
  description: 'Capitalises the word after ". ", "? ", "! " and a line break: the capitalised word beats its lower-case form, in real sentences',
  probes,
});
