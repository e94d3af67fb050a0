import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { franc } from 'franc';
import { behaviour, check, continuation, type Check, type ProbeInput } from '../harness/spec/index.js';

/**
 * The UDHR translations used: file stem, ISO 639-3 code (what franc answers), and how many
 * characters of a sentence make a prompt of about 25 GPT-2 tokens in that script (greedy
 * decoding re-reads the prompt at every step, so prompts are kept short).
 */
const LANGUAGES = [
  { stem: 'frn_grd', code: 'fra', name: 'French', promptChars: 75 },
  { stem: 'ger_robu', code: 'deu', name: 'German', promptChars: 66 },
  { stem: 'spa_mr', code: 'spa', name: 'Spanish', promptChars: 75 },
  { stem: 'ita_dan', code: 'ita', name: 'Italian', promptChars: 70 },
  { stem: 'por_sl', code: 'por', name: 'Portuguese', promptChars: 70 },
  { stem: 'dut_mb', code: 'nld', name: 'Dutch', promptChars: 68 },
  { stem: 'rus_sd', code: 'rus', name: 'Russian', promptChars: 24 },
  { stem: 'pl_km', code: 'pol', name: 'Polish', promptChars: 47 },
  { stem: 'jpn_k', code: 'jpn', name: 'Japanese', promptChars: 16 },
  { stem: 'chn_cz', code: 'cmn', name: 'Chinese', promptChars: 13 },
];
/** franc chooses among these only: the ten languages and English, the likeliest wrong answer. */
const CANDIDATES = ['eng', ...LANGUAGES.map((l) => l.code)];
const PER_LANGUAGE = 10;
const MAX_TOKENS = 16;
const NO_SPACES = new Set(['jpn', 'cmn']);

/** Passes when franc names `code` for the text; too little text to tell ("und") fails. */
function sameLanguage(code: string, name: string): Check {
  return check(`franc detects ${name} (${code})`, (text) => franc(text.trim(), { only: CANDIDATES, minLength: 3 }) === code);
}

/** The sentence's first `chars` characters, ending at a word boundary where the script has spaces. */
function opening(sentence: string, chars: number, spaced: boolean): string {
  const cut = sentence.slice(0, chars);
  return spaced ? cut.slice(0, cut.lastIndexOf(' ')) : cut;
}

const probes: ProbeInput[] = LANGUAGES.flatMap(({ stem, code, name, promptChars }) => {
  const lines = readFileSync(join(import.meta.dirname, 'data', 'udhr', `human_rights_un_${stem}_64kb.txt`), 'utf8')
    .split('\n').filter((l) => l.includes('\t')).map((l) => l.slice(l.indexOf('\t') + 1).trim());
  // Sentences long enough that the real text goes on for more than the continuation after the prompt;
  // articles that open alike ("Everyone has the right to ...") give one prompt.
  const prompts = [...new Set(lines.filter((l) => l.length >= 2.5 * promptChars).map((l) => opening(l, promptChars, !NO_SPACES.has(code))))];
  const chosen = Array.from({ length: PER_LANGUAGE }, (_, i) => prompts[Math.floor((i * prompts.length) / PER_LANGUAGE)]);
  const same = sameLanguage(code, name);
  return chosen.map((prompt) => continuation(prompt, MAX_TOKENS, same, [`lang:${code}`]));
});

export default behaviour('language-continuation', {
  description: 'Continues a sentence of the Universal Declaration of Human Rights in its own language (French, German, Spanish, Italian, Portuguese, Dutch, Russian, Polish, Japanese, Chinese), as franc judges 16 greedy tokens',
  probes,
});
