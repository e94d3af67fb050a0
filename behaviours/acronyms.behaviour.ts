import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { behaviour, choice, fc, next, type ProbeInput } from '../harness/spec/index.js';

interface Acronym { acronym: string; expansion: string; list: string }

const FILES = [
  { file: 'foss-acronyms.json', field: 'Definition', list: 'software' },
  { file: 'foss-chat-acronyms.json', field: 'Definition', list: 'chat' },
  { file: 'foss-organizations.json', field: 'Meaning', list: 'organisations' },
];
const MINOR = new Set(['of', 'and', 'for', 'the', 'a', 'to', 'in', 'on', 'with', '&']);

/** The acronym is the initials of the expansion, with or without its minor words ("Code of Conduct" -> CoC). */
function initialsMatch(acronym: string, expansion: string): boolean {
  const words = expansion.split(/[\s-]+/).filter(Boolean);
  const initials = (ws: string[]) => ws.map((w) => w[0]).join('').toLowerCase();
  const want = acronym.toLowerCase();
  return initials(words) === want || initials(words.filter((w) => !MINOR.has(w.toLowerCase()))) === want;
}

// Only entries where the acronym really is the initials of a short, plain expansion: the lists
// also hold descriptions ("In graph theory ..."), alternatives ("DI/DIP") and censored words.
const seen = new Set<string>();
const acronyms: Acronym[] = FILES.flatMap(({ file, field, list }) =>
  (JSON.parse(readFileSync(join(import.meta.dirname, 'data', 'acronyms', file), 'utf8')) as Record<string, string>[])
    .map((e) => ({ acronym: e.Abbreviation.trim(), expansion: e[field].trim(), list })))
  .filter(({ acronym, expansion }) => /^[A-Za-z]{2,}$/.test(acronym) && /^[A-Za-z' ,&-]{4,60}$/.test(expansion) && initialsMatch(acronym, expansion))
  .filter(({ acronym }) => !seen.has(acronym) && seen.add(acronym));

const wordCount = (s: string) => s.split(/[\s-]+/).length;

/** Three other expansions, of the same number of words where there are enough, the same every run. */
function distractors(a: Acronym, seed: number): string[] {
  const alike = acronyms.filter((o) => o !== a && wordCount(o.expansion) === wordCount(a.expansion));
  const pool = (alike.length >= 3 ? alike : acronyms.filter((o) => o !== a)).map((o) => o.expansion);
  return fc.sample(fc.shuffledSubarray(pool, { minLength: 3, maxLength: 3 }), { seed, numRuns: 1 })[0];
}

const probes: ProbeInput[] = acronyms.flatMap((a, i) => {
  const wrong = distractors(a, 4100 + i);
  const at = i % 4;
  const options = [...wrong.slice(0, at), a.expansion, ...wrong.slice(at)].map((o) => ` ${o}`);
  return [
    // "Application Programming Interface (" -> "API"
    next(`${a.expansion} (`, a.acronym, ['direction:to-acronym', `list:${a.list}`]),
    // "API stands for" -> " Application Programming Interface", among three other expansions
    choice(`${a.acronym} stands for`, options, ` ${a.expansion}`, ['direction:to-expansion', `list:${a.list}`]),
  ];
});

export default behaviour('acronyms', {
  description: 'Turns an expansion into its acronym ("Work In Progress (" -> "WIP"), and picks the right expansion of an acronym among four',
  probes,
});
