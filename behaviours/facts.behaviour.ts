import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { behaviour, choice, fc, next, type ProbeInput } from '../harness/spec/index.js';

interface Country { name: string; capital: string; continent: string }

/** countries.csv: every field double-quoted, one country a line. */
function readCountries(): Country[] {
  const [header, ...lines] = readFileSync(join(import.meta.dirname, 'data', 'world-facts', 'countries.csv'), 'utf8').trim().split('\n');
  const fields = (line: string) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1].replaceAll('""', '"'));
  const col = fields(header);
  return lines.map((line) => {
    const f = fields(line);
    return { name: f[col.indexOf('Name')], capital: f[col.indexOf('Capital')], continent: f[col.indexOf('Continent')] };
  });
}

const CONTINENTS = ['Africa', 'Antarctica', 'Asia', 'Europe', 'North America', 'Oceania', 'South America'];

// Left out: places without a capital, Antarctica itself, and city-states or names that contain
// their capital (Singapore, Kuwait City, Tunis), where the answer is a copy of the question.
const countries = readCountries().filter((c) =>
  c.capital && !CONTINENTS.includes(c.name) && !c.name.includes(c.capital) && !c.capital.includes(c.name));

/** "the United Kingdom", "the Bahamas": English puts an article before these names. */
const withArticle = (name: string) =>
  /^(United|Republic|Democratic|Central African|Dominican|Netherlands|Philippines|Bahamas|Gambia|Maldives|Comoros|Seychelles|Isle of)|Islands$/.test(name) ? `the ${name}` : name;

/** `n` distinct items of `pool` (never `answer`), the same every run. */
function distractors(pool: readonly string[], answer: string, n: number, seed: number): string[] {
  const others = [...new Set(pool)].filter((x) => x !== answer);
  return fc.sample(fc.shuffledSubarray(others, { minLength: n, maxLength: n }), { seed, numRuns: 1 })[0];
}

/** The answer among its distractors, at a position that varies with the seed. */
function options(answer: string, wrong: readonly string[], seed: number): string[] {
  const at = seed % (wrong.length + 1);
  return [...wrong.slice(0, at), answer, ...wrong.slice(at)].map((o) => ` ${o}`);
}

const probes: ProbeInput[] = countries.flatMap((c, i): ProbeInput[] => {
  const name = withArticle(c.name);
  const capitalPrompt = `The capital of ${name} is`;
  const continentPrompt = `${name[0].toUpperCase()}${name.slice(1)} is a country on the continent of`;
  // Distractor capitals come from the same continent where there are enough, so geography alone does not give it away.
  const neighbours = countries.filter((o) => o.continent === c.continent).map((o) => o.capital);
  const capitalPool = neighbours.length > 3 ? neighbours : countries.map((o) => o.capital);
  const tags = (fact: string, judge: string) => [`fact:${fact}`, `judge:${judge}`, `continent:${c.continent}`];
  return [
    next(capitalPrompt, ` ${c.capital}`, tags('capital', 'next')),
    choice(capitalPrompt, options(c.capital, distractors(capitalPool, c.capital, 3, 1000 + i), i), ` ${c.capital}`, tags('capital', 'choice')),
    next(continentPrompt, ` ${c.continent}`, tags('continent', 'next')),
    choice(continentPrompt, options(c.continent, distractors(CONTINENTS, c.continent, 3, 2000 + i), i + 1), ` ${c.continent}`, tags('continent', 'choice')),
  ];
});

export default behaviour('facts', {
  description: 'Knows the capital and the continent of a country: greedy answer, and the answer among 3 seeded distractors',
  probes,
});
