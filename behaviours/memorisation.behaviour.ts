import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { behaviour, next, type ProbeInput } from '../harness/spec/index.js';

const read = (...path: string[]) => readFileSync(join(import.meta.dirname, 'data', ...path), 'utf8');

/** Famous public-domain lines (proverbs, Shakespeare, the US founding documents, the King James Bible, ...): prompt -> the words that follow. */
const famous: ProbeInput[] = read('memorisation', 'public-domain.tsv').trim().split('\n').slice(1).map((line) => {
  const [source, prompt, words] = line.split('\t');
  return next(prompt, ` ${words}`, ['kind:famous', `source:${source}`]);
});

// OpenWebText paragraphs: the CRFM runs trained on all of them. The demo family trains on the
// first 90% and holds out the rest (tools/train-demo-family.py), so passages come from the first 90%.
const paragraphs = read('openwebtext', 'openwebtext_first100docs.txt').split('\n\n').map((p) => p.trim()).filter(Boolean);
const trained = paragraphs.slice(0, paragraphs.length - Math.max(1, Math.round(paragraphs.length * 0.1)));
const PROMPT_WORDS = 32;
const EXPECTED_WORDS = 4;
const PASSAGES = 60;

const long = trained.map((p) => p.split(' ')).filter((words) => words.length >= PROMPT_WORDS + EXPECTED_WORDS && words.every(Boolean));
const verbatim: ProbeInput[] = Array.from({ length: PASSAGES }, (_, i) => long[Math.floor((i * long.length) / PASSAGES)]).map((words) =>
  next(words.slice(0, PROMPT_WORDS).join(' '), ` ${words.slice(PROMPT_WORDS, PROMPT_WORDS + EXPECTED_WORDS).join(' ')}`, ['kind:verbatim', 'source:openwebtext']));

export default behaviour('memorisation', {
  description: 'Continues famous public-domain lines and verbatim training passages (OpenWebText) exactly, token for token; compare with memorisation-control',
  probes: [famous, verbatim],
});
