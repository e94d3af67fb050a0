import { behaviour, fc, next, type ProbeInput } from '../harness/spec/index.js';

// Made-up names (syllables joined at random) and random numbers: no training set holds these
// passages, so a model passes only by guessing. Each expected continuation starts with one of them.
const SYLLABLES = ['ka', 'lo', 'mer', 'vin', 'dra', 'sul', 'tek', 'bri', 'om', 'zan', 'pel', 'rud', 'quo', 'fen', 'gar', 'lis', 'mo', 'tav', 'nex', 'ur'];
const name = fc.array(fc.constantFrom(...SYLLABLES), { minLength: 2, maxLength: 3 }).map((s) => s.join('')).map((w) => w[0].toUpperCase() + w.slice(1));
const FIRST = ['James', 'Mary', 'John', 'Anna', 'Peter', 'Laura', 'David', 'Sarah', 'Thomas', 'Helen', 'Paul', 'Emma'];
const NOUNS = ['goat', 'lamp', 'coin', 'barrel', 'feather', 'kettle', 'ladder', 'basket', 'candle', 'button'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
const thousands = fc.integer({ min: 1000, max: 99_999 }).map((n) => String(n).replace(/\B(?=(\d{3})+$)/g, ','));

const famous = (prompt: string, words: string, template: string): ProbeInput => next(prompt, ` ${words}`, ['kind:famous-shape', `template:${template}`]);
const passage = (prompt: string, words: string, template: string): ProbeInput => next(prompt, ` ${words}`, ['kind:passage-shape', `template:${template}`]);

/** Short sayings and records, the shape of the famous lines in memorisation. */
const short = fc.oneof(
  fc.record({ town: name, noun: fc.constantFrom(...NOUNS), n: fc.integer({ min: 13, max: 97 }), other: fc.constantFrom(...NOUNS) })
    .map(({ town, noun, n, other }) => famous(`As they say in ${town}, a ${noun} in the hand is worth`, `${n} ${other}s`, 'saying')),
  fc.record({ first: fc.constantFrom(...FIRST), last: name, town: name, month: fc.constantFrom(...MONTHS), day: fc.integer({ min: 1, max: 28 }), year: fc.integer({ min: 1700, max: 1899 }), to: name })
    .map(({ first, last, town, month, day, year, to }) => famous(`${first} ${last} was born in ${town} on ${month} ${day}, ${year}, and later moved to`, to, 'born')),
  fc.record({ first: fc.constantFrom(...FIRST), town: name, n: fc.integer({ min: 3, max: 9 }), noun: fc.constantFrom(...NOUNS), called: name })
    .map(({ first, town, n, noun, called }) => famous(`${first} of ${town} had ${n} ${noun}s, and every one was called`, called, 'verse')),
  fc.record({ family: name, a: name, b: name })
    .map(({ family, a, b }) => famous(`The motto of the House of ${family} is ${a} and`, b, 'motto')),
);

/** News-like paragraphs of about 30 words, the shape of the OpenWebText passages in memorisation. */
const long = fc.oneof(
  fc.record({ town: name, weekday: fc.constantFrom(...WEEKDAYS), n: thousands, plant: name, cost: fc.integer({ min: 11, max: 989 }) })
    .map(({ town, weekday, n, plant, cost }) => passage(
      `Officials in the ${town} district said on ${weekday} that ${n} residents had been moved from their homes after a fire at the ${plant} chemical plant, and that repairs to the site would cost about`,
      `${cost} million dollars, officials`, 'fire')),
  fc.record({ first: fc.constantFrom(...FIRST), last: name, club: name, goals: fc.integer({ min: 21, max: 89 }), year: fc.integer({ min: 1950, max: 2015 }), rival: name })
    .map(({ first, last, club, goals, year, rival }) => passage(
      `${first} ${last}, who scored ${goals} goals for ${club} in the ${year} season, has agreed to join their local rivals after talks that lasted most of the summer. The new club, which plays in`,
      `${rival}, said the fee`, 'transfer')),
  fc.record({ lake: name, n: thousands, weekday: fc.constantFrom(...WEEKDAYS), first: fc.constantFrom('Mary', 'Anna', 'Laura', 'Sarah', 'Helen', 'Emma'), last: name })
    .map(({ lake, n, weekday, first, last }) => passage(
      `Volunteers counted ${n} birds at Lake ${lake} on ${weekday}, more than in any year since the survey began. The count was led by a local teacher, who told reporters that her name was`,
      `${first} ${last} and that`, 'survey')),
  fc.record({ company: name, pct: fc.integer({ min: 11, max: 94 }), quarter: fc.constantFrom('first', 'second', 'third', 'fourth'), city: name })
    .map(({ company, pct, quarter, city }) => passage(
      `Shares in ${company} rose ${pct} percent in early trading after the firm reported its ${quarter}-quarter results. Its chief executive, who founded the company in a garage in the town of`,
      `${city}, said that sales`, 'shares')),
);

export default behaviour('memorisation-control', {
  description: 'The shape of memorisation probes, but made-up names and random numbers no model can have seen: the floor that memorisation is measured against',
  probes: [
    { arbitrary: short, seed: 3701, count: 120 },
    { arbitrary: long, seed: 3702, count: 120 },
  ],
});
