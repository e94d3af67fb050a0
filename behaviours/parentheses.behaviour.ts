import { behaviour, choice, fc, next, type ProbeInput } from '../harness/spec/index.js';

type Opener = '(' | '[' | '{';
const CLOSER: Record<Opener, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = [')', ']', '}'];

// Every fragment ends in a letter or digit, so the closing brackets start a token of their own.
const CODE = {
  open: {
    '(': ['print(', 'len(', 'max(', 'sum(', 'sorted(', 'int(', 'str(', 'abs(', 'f(', 'process(', 'np.array(', 'range(', '('],
    '[': ['items[', 'data[', 'row[', 'matrix[', 'names[', 'counts[', '['],
    '{': ['{"id": ', '{"name": ', '{"values": ', "{'key': ", '{"x": ', '{'],
  } satisfies Record<Opener, string[]>,
  leaf: ['x', 'i', 'n - 1', 'i + 1', '0', 'key', 'value', 'y * 2', 'count', 'idx', 'self.size', 'args', 'total / 2', 'k'],
  lhs: ['result = ', 'value = ', 'out = ', 'total = ', 'x = ', 'data = ', 'return ', 'config = ', ''],
  def: ['def main():\n    ', 'def update(self, x):\n    ', 'for i in range(n):\n    ', 'if __name__ == "__main__":\n    ', 'with open(path) as f:\n    ', ''],
};

const PROSE = {
  subject: ['The committee', 'Our team', 'The author', 'The report', 'She', 'The museum', 'The new policy', 'Researchers', 'The mayor', 'His latest book'],
  verb: ['announced the results', 'described the findings', 'visited the site', 'published a summary', 'reviewed the budget', 'mentioned the study', 'changed the rules', 'met the press'],
  open: {
    '(': ['(', '(see ', '(which included ', '(as noted in ', '(according to ', '(mostly '],
    '[': ['[', '[see ', '[sic: ', '[note: ', '[citation: '],
  },
  words: ['the appendix', 'page 4', 'Smith 2010', 'table 2', 'the earlier report', 'section 3', 'the minutes', 'March 2015', 'two votes', 'the original', 'chapter 9', 'local sources'],
};

/** Wrong closing sequences of the same length: a changed innermost bracket, a changed outermost one, the reverse order. */
function wrongClosings(right: string): string[] {
  const swap = (at: number) => CLOSERS.filter((c) => c !== right[at]).map((c) => right.slice(0, at) + c + right.slice(at + 1));
  const reversed = [...right].reverse().join('');
  const candidates = right.length === 1 ? swap(0) : [swap(0)[0], swap(right.length - 1)[1], reversed, swap(0)[1], swap(right.length - 1)[0]];
  return [...new Set(candidates)].filter((c) => c !== right).slice(0, 3);
}

function judge(prompt: string, openers: Opener[], asNext: boolean, style: string): ProbeInput {
  const closing = openers.map((o) => CLOSER[o]).reverse().join('');
  const tags = [`depth:${openers.length}`, `style:${style}`, `judge:${asNext ? 'next' : 'choice'}`];
  if (asNext) return next(prompt, closing, tags);
  const wrong = wrongClosings(closing);
  const at = prompt.length % (wrong.length + 1);
  return choice(prompt, [...wrong.slice(0, at), closing, ...wrong.slice(at)], closing, tags);
}

const depth = fc.constantFrom(1, 2, 3, 4);

/** Python-looking lines: calls, indexing, lists and dicts nested 1-4 deep; judged both ways. */
const code = depth.chain((d) => fc.record({
  openers: fc.array(fc.constantFrom<Opener>('(', '[', '{'), { minLength: d, maxLength: d }),
  picks: fc.array(fc.noBias(fc.nat()), { minLength: d, maxLength: d }),
  // An earlier argument before a call's nested bracket ("f(a, g(") at some levels.
  before: fc.array(fc.option(fc.constantFrom(...CODE.leaf), { freq: 2 }), { minLength: d, maxLength: d }),
  leaf: fc.constantFrom(...CODE.leaf),
  lhs: fc.constantFrom(...CODE.lhs),
  def: fc.constantFrom(...CODE.def),
  asNext: fc.boolean(),
})).map(({ openers, picks, before, leaf, lhs, def, asNext }) => {
  const body = openers.map((o, i) => {
    const open = CODE.open[o][picks[i] % CODE.open[o].length];
    const arg = i > 0 && openers[i - 1] === '(' && before[i] !== null ? `${before[i]}, ` : '';
    return arg + open;
  });
  return judge(`${def}${lhs}${body.join('')}${leaf}`, openers, asNext, 'code');
});

/** Prose with nested asides in () and []; judged as a choice among closing sequences. */
const prose = depth.chain((d) => fc.record({
  openers: fc.array(fc.constantFrom<'(' | '['>('(', '['), { minLength: d, maxLength: d }),
  picks: fc.array(fc.noBias(fc.nat()), { minLength: d, maxLength: d }),
  words: fc.array(fc.constantFrom(...PROSE.words), { minLength: d, maxLength: d }),
  subject: fc.constantFrom(...PROSE.subject),
  verb: fc.constantFrom(...PROSE.verb),
})).map(({ openers, picks, words, subject, verb }) => {
  const asides = openers.map((o, i) => {
    const open = PROSE.open[o][picks[i] % PROSE.open[o].length];
    return i === 0 ? open + words[i] : ` ${open}${words[i]}`;
  });
  return judge(`${subject} ${verb} ${asides.join('')}`, openers, false, 'prose');
});

export default behaviour('parentheses', {
  description: 'Closes nested (), [] and {} in the right order, in code and in prose, at depth 1-4',
  probes: [
    { arbitrary: code, seed: 3101, count: 160 },
    { arbitrary: prose, seed: 3102, count: 80 },
  ],
  // Not yet calibrated on a real run: set with room below GPT-2 small's expected rate, since the
  // greedy ('next') probes need the exact closing tokens.
  floors: [{ rate: 0.75, suites: ['crfm-gpt2-small', 'crfm-gpt2-medium'] }],
});
