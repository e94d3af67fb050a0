import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { behaviour, expandProbes, type Behaviour, type ProbeContext } from '../../harness/spec/behaviour.js';
import { check, choice, continuation, copying, next, probeId, type ProbeInput } from '../../harness/spec/probe.js';
import { loadTokenizer } from '../../harness/tokenize/tokenizer.js';

/**
 * The contracts a spec's probes are held to when they expand: `count` means distinct probes,
 * degenerate probes and malformed sources are one-line LmbErrors naming the file and the probe.
 */
const tokenizer = loadTokenizer(join(import.meta.dirname, '..', 'fixtures', 'gpt2-tokenizer'));
const ctx: ProbeContext = { tokenizer, vocabSize: tokenizer.vocabSize };

/** A behaviour as the loader leaves it: with its file. `probes` is unchecked, as a spec file's is. */
const spec = (name: string, probes: unknown): Behaviour =>
  Object.assign(behaviour(name, { description: '', probes: probes as Behaviour['probes'] }), { file: `behaviours/${name}.behaviour.ts` });

function thrown(fn: () => unknown): LmbError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LmbError) {
      expect(e.oneLine()).not.toMatch(/[\n\r]/);
      expect(e.fix).toBeTruthy();
      return e;
    }
    throw new Error(`not an LmbError: ${String(e)}`);
  }
  throw new Error('nothing was thrown');
}
const expandError = (b: Behaviour) => thrown(() => expandProbes(b, ctx));

// README's weekdays example.
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const later = (day: number, n: number) => DAYS[(day + n) % 7];
const fixed = DAYS.flatMap((day, i) => [
  next(`The day after ${day} is`, ` ${later(i, 1)}`, ['form:sentence']),
  choice(`The day after ${day} is`, [` ${later(i, 6)}`, ` ${later(i, 1)}`, ` ${later(i, 2)}`], 1, ['form:sentence']),
]);
// 7 days x 13 offsets: 91 distinct probes at most.
const arithmetic = fc.record({ day: fc.integer({ min: 0, max: 6 }), n: fc.integer({ min: 1, max: 13 }) }).map(({ day, n }) =>
  next(`If today is ${DAYS[day]}, then in ${n} days it will be`, ` ${later(day, n)}`, ['form:arithmetic', `days:${n}`]));
const weekdays = (count: number) => spec('weekdays', [fixed, { arbitrary: arithmetic, seed: 42, count }]);

describe('a generator\'s count is the number of distinct probes', () => {
  it('count: 60 gives 60 distinct probes, where sampling 60 gives 42; the fixed list adds its 14', () => {
    expect(new Set(fc.sample(arithmetic, { seed: 42, numRuns: 60 }).map(probeId)).size).toBe(42);
    const only = expandProbes(spec('weekdays', { arbitrary: arithmetic, seed: 42, count: 60 }), ctx);
    expect(only).toHaveLength(60);
    expect(new Set(only.map((p) => p.id)).size).toBe(60);
    const all = expandProbes(weekdays(60), ctx);
    expect(all).toHaveLength(74);
    expect(all.slice(14).map((p) => p.id)).toEqual(only.map((p) => p.id));
  });

  it('draws deterministically: the same probes every time, starting with those of the plain sample', () => {
    const ids = expandProbes(weekdays(60), ctx).map((p) => p.id);
    expect(expandProbes(weekdays(60), ctx).map((p) => p.id)).toEqual(ids);
    const sampled = [...new Set(fc.sample(arithmetic, { seed: 42, numRuns: 60 }).map(probeId))];
    expect(ids.slice(14, 14 + sampled.length)).toEqual(sampled);
    // A larger count extends the smaller one's probes.
    expect(expandProbes(weekdays(80), ctx).map((p) => p.id).slice(0, 74)).toEqual(ids);
  });

  it('count: 100 is PROBES_TOO_FEW, saying the arbitrary makes 91 in 2000 draws', () => {
    const err = expandError(weekdays(100));
    expect(err.code).toBe('PROBES_TOO_FEW');
    expect(err.message).toBe('behaviours/weekdays.behaviour.ts: behaviour "weekdays": probes[1] (a generator, seed 42, count 100) made only 91 distinct probes in 2000 draws');
    expect(err.fix).toMatch(/count to at most 91/);
  });

  it('generated probes are distinct from the behaviour\'s lists, before or after them', () => {
    const drawn = fc.sample(arithmetic, { seed: 42, numRuns: 3 });
    for (const order of ['list first', 'generator first']) {
      const gen = { arbitrary: arithmetic, seed: 42, count: 60 };
      const probes = expandProbes(spec('mixed', order === 'list first' ? [drawn, gen] : [gen, drawn]), ctx);
      expect(probes, order).toHaveLength(63);
      expect(new Set(probes.map((p) => p.id)).size, order).toBe(63);
    }
    const err = expandError(spec('mixed', [drawn, { arbitrary: arithmetic, seed: 42, count: 90 }]));
    expect(err.code).toBe('PROBES_TOO_FEW');
    expect(err.message).toMatch(/made only 88 distinct probes \(besides 3 already in the behaviour's other sources\) in 1800 draws$/);
  });

  it('an arbitrary that draws differently from the same seed is refused', () => {
    let calls = 0;
    const drifting = fc.integer({ min: 0, max: 2 }).map((n) => next(`count ${n} ${calls++ % 7}`, ' x'));
    const err = expandError(spec('drifting', { arbitrary: drifting, seed: 1, count: 30 }));
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.message).toMatch(/^behaviours\/drifting\.behaviour\.ts: behaviour "drifting": probes \(a generator, seed 1, count 30\) drew a different probe \d+ from the same seed$/);
  });
});

const ok = (text: string) => text.length > 0;
/** Degenerate probes: the builder call, the same probe as a plain object, and what is wrong. */
const DEGENERATE: [string, (() => ProbeInput) | undefined, unknown, RegExp][] = [
  ['choice with one option', () => choice('Pick one', ['a'], 0), { prompt: 'Pick one', judge: { kind: 'choice', options: ['a'], answer: 0 } },
    /choice.*needs at least two options, got \["a"\]/],
  ['choice with no options', () => choice('Pick one', [], 0), { prompt: 'Pick one', judge: { kind: 'choice', options: [], answer: 0 } }, /needs at least two options, got \[\]/],
  ['choice with an empty option', () => choice('Pick one', [' a', ''], 0), { prompt: 'Pick one', judge: { kind: 'choice', options: [' a', ''], answer: 0 } },
    /option 1 is empty/],
  ['choice with equal options', () => choice('Pick one', [' a', ' b', ' a'], 1), { prompt: 'Pick one', judge: { kind: 'choice', options: [' a', ' b', ' a'], answer: 1 } },
    /options 0 and 2 are both " a"/],
  ['choice with an answer past the options', () => choice('Pick one', [' a', ' b'], 2), { prompt: 'Pick one', judge: { kind: 'choice', options: [' a', ' b'], answer: 2 } },
    /answer 2 is not an index of the options \(0 to 1\)/],
  ['choice with a fractional answer', () => choice('Pick one', [' a', ' b'], 0.5), { prompt: 'Pick one', judge: { kind: 'choice', options: [' a', ' b'], answer: 0.5 } },
    /answer 0\.5 is not an index/],
  ['choice with options that are not text', undefined, { prompt: 'Pick one', judge: { kind: 'choice', options: [1, 2], answer: 0 } }, /options must be a list of strings/],
  ['next with an empty expected text', () => next('The day after Monday is', ''), { prompt: 'The day after Monday is', judge: { kind: 'next', expected: '' } },
    /next.*needs a non-empty expected text, got ""/],
  ['continuation of 0 tokens', () => continuation('Email me at', 0, check('has @', ok)), { prompt: 'Email me at', judge: { kind: 'continuation', maxTokens: 0, check: { name: 'has @', test: ok } } },
    /maxTokens must be an integer of at least 1, got 0/],
  ['continuation of 2.5 tokens', () => continuation('Email me at', 2.5, check('has @', ok)), { prompt: 'Email me at', judge: { kind: 'continuation', maxTokens: 2.5, check: { name: 'has @', test: ok } } },
    /maxTokens must be an integer of at least 1, got 2\.5/],
  ['continuation with a nameless check', () => continuation('Email me at', 4, { name: '', test: ok }), { prompt: 'Email me at', judge: { kind: 'continuation', maxTokens: 4, check: { name: '', test: ok } } },
    /the check needs a name, got ""/],
  ['continuation with a check without a test', () => continuation('Email me at', 4, { name: 'has @' } as never), { prompt: 'Email me at', judge: { kind: 'continuation', maxTokens: 4, check: { name: 'has @' } } },
    /the check "has @" needs a test function, got undefined/],
  ['copying an empty segment', () => copying('Repeat:', ''), { prompt: 'Repeat:', judge: { kind: 'copying', segment: '', minAccuracy: 0.5 } }, /the segment is empty/],
  ['copying no token ids', () => copying('Repeat:', { ids: [] }), { prompt: 'Repeat:', judge: { kind: 'copying', segment: { ids: [] }, minAccuracy: 0.5 } },
    /the segment is \{ ids: \[\] \}, no token at all/],
  ['copying one token id', () => copying('Repeat:', { ids: [262] }), { prompt: 'Repeat:', judge: { kind: 'copying', segment: { ids: [262] }, minAccuracy: 0.5 } },
    /the segment ids\[262\] is 1 token: the repeat's first token is not scored, so it can never pass/],
  ['copying with minAccuracy above 1', () => copying('Repeat:', ' one two three', 1.5), { prompt: 'Repeat:', judge: { kind: 'copying', segment: ' one two three', minAccuracy: 1.5 } },
    /minAccuracy must be a number from 0 to 1, got 1\.5/],
  ['copying with minAccuracy below 0', () => copying('Repeat:', ' one two three', -0.1), { prompt: 'Repeat:', judge: { kind: 'copying', segment: ' one two three', minAccuracy: -0.1 } },
    /minAccuracy must be a number from 0 to 1, got -0\.1/],
  ['copying with minAccuracy NaN', () => copying('Repeat:', ' one two three', NaN), { prompt: 'Repeat:', judge: { kind: 'copying', segment: ' one two three', minAccuracy: NaN } },
    /minAccuracy must be a number from 0 to 1, got NaN/],
  ['an empty text prompt', () => next('', ' the'), { prompt: '', judge: { kind: 'next', expected: ' the' } }, /next.*the prompt is empty/],
  ['an empty ids prompt', () => choice({ ids: [] }, [' a', ' b'], 0), { prompt: { ids: [] }, judge: { kind: 'choice', options: [' a', ' b'], answer: 0 } },
    /choice.*the prompt is \{ ids: \[\] \}, no token at all/],
  ['a negative token id', () => next({ ids: [5, -1] }, ' the'), { prompt: { ids: [5, -1] }, judge: { kind: 'next', expected: ' the' } },
    /the prompt's ids\[1\] is -1, not a token id \(a non-negative integer\)/],
  ['a fractional token id', () => continuation({ ids: [1.5] }, 3, check('any', ok)), { prompt: { ids: [1.5] }, judge: { kind: 'continuation', maxTokens: 3, check: { name: 'any', test: ok } } },
    /ids\[0\] is 1\.5, not a token id/],
  ['a token id written as text', () => next({ ids: ['3'] } as never, ' x'), { prompt: { ids: ['3'] }, judge: { kind: 'next', expected: ' x' } }, /ids\[0\] is "3", not a token id/],
  ['a prompt that is neither text nor ids', () => next(42 as never, ' x'), { prompt: 42, judge: { kind: 'next', expected: ' x' } },
    /the prompt is the number 42, not text or \{ ids: \[\.\.\.\] \}/],
  ['tags that are not strings', () => next('The day', ' x', [1] as never), { prompt: 'The day', judge: { kind: 'next', expected: ' x' }, tags: [1] },
    /tags must be a list of strings, got \[1\]/],
  ['tags that are not a list', () => next('The day', ' x', 'day' as never), { prompt: 'The day', judge: { kind: 'next', expected: ' x' }, tags: 'day' },
    /tags must be a list of strings, got "day"/],
  ['an unknown judging kind', undefined, { prompt: 'a', judge: { kind: 'nope' } }, /has judging kind "nope", not one of next, choice, continuation, copying/],
  ['no judge', undefined, { prompt: 'a' }, /has no judge/],
  ['not a probe at all', undefined, null, /is null, not a probe/],
];

describe('degenerate probes are PROBE_INVALID', () => {
  it.each(DEGENERATE.filter(([, build]) => build))('%s: the builder throws at the call site, naming itself', (_, build, _raw, what) => {
    const err = thrown(build!);
    expect(err.code).toBe('PROBE_INVALID');
    expect(err.message).toMatch(/^(next|choice|continuation|copying): /);
    expect(err.message).toMatch(what);
  });

  it.each(DEGENERATE)('%s: expandProbes refuses the plain object, naming the file, the behaviour and where the probe is', (_, _build, raw, what) => {
    const err = expandError(spec('odd', [[next('fine', ' x'), raw], [next('also fine', ' x')]]));
    expect(err.code).toBe('PROBE_INVALID');
    expect(err.message).toMatch(/^behaviours\/odd\.behaviour\.ts: behaviour "odd", probes\[0\]\[1\]/);
    expect(err.message).toMatch(what);
    if (typeof raw === 'object' && raw && 'judge' in raw && !err.message.includes('the prompt')) expect(err.message).toContain('(prompt ');
  });

  it('the message quotes a shortened prompt, on one line', () => {
    const long = `Line one\nline two ${'and more '.repeat(20)}`;
    const err = expandError(spec('odd', [{ prompt: long, judge: { kind: 'next', expected: '' } }]));
    expect(err.message).toBe('behaviours/odd.behaviour.ts: behaviour "odd", probes[0] next (prompt "Line one\\nline two and more and more and…"): needs a non-empty expected text, got ""');
  });

  it('a copying segment of one token is refused once the tokenizer is known', () => {
    const probe = copying({ ids: [50256] }, ' the');
    const err = expandError(spec('copy', [copying({ ids: [50256] }, ' the cat sat'), probe]));
    expect(err.message).toMatch(/^behaviours\/copy\.behaviour\.ts: behaviour "copy", probes\[1\] copying \(prompt ids\[50256\]\): the segment " the" is 1 token: the repeat's first token is not scored/);
    // An empty prompt is fine for copying: the first copy of the segment is the context.
    expect(expandProbes(spec('copy', [copying('', ' the cat sat'), copying({ ids: [] }, { ids: [1, 2] })]), ctx)).toHaveLength(2);
  });

  it('a builder that throws inside a generator or a function is named with its source', () => {
    const inMap = expandError(spec('gen', [[next('a', ' b')], { arbitrary: fc.nat().map(() => choice('Pick', ['a'], 0)), seed: 1, count: 5 }]));
    expect(inMap.code).toBe('PROBE_INVALID');
    expect(inMap.message).toBe('behaviours/gen.behaviour.ts: behaviour "gen", probes[1] (a generator, seed 1, count 5): choice: needs at least two options, got ["a"] (prompt "Pick")');
    const inFunction = expandError(spec('fn', () => [next('a', '')]));
    expect(inFunction.message).toBe('behaviours/fn.behaviour.ts: behaviour "fn", probes: next: needs a non-empty expected text, got "" (prompt "a")');
  });

  it('a degenerate generated or returned plain object is named by draw or index', () => {
    const drawn = expandError(spec('gen', { arbitrary: fc.nat(3).map((n) => ({ prompt: `n=${n}`, judge: { kind: 'next', expected: '' } })), seed: 1, count: 2 }));
    expect(drawn.message).toMatch(/^behaviours\/gen\.behaviour\.ts: behaviour "gen", probes draw 0 next \(prompt "n=\d"\): needs a non-empty expected text/);
    const returned = expandError(spec('fn', [[next('a', ' b')], () => [next('c', ' d'), { prompt: '', judge: { kind: 'next', expected: ' e' } }]]));
    expect(returned.message).toBe('behaviours/fn.behaviour.ts: behaviour "fn", probes[1](ctx)[1] next: the prompt is empty');
  });

  it('a probe written twice is refused, naming both places; tags do not make it another probe', () => {
    const twice = expandError(spec('twice', [next('a', ' b'), next('c', ' d'), next('a', ' b', ['again'])]));
    expect(twice.code).toBe('PROBE_INVALID');
    expect(twice.message).toBe('behaviours/twice.behaviour.ts: behaviour "twice": probes[2] is the same probe as probes[0], next with prompt "a"');
    const across = expandError(spec('across', [[next('a', ' b')], () => [next('c', ' d'), next('a', ' b')]]));
    expect(across.message).toMatch(/probes\[1\]\(ctx\)\[1\] is the same probe as probes\[0\]\[0\]/);
  });
});

describe('malformed sources are SPEC_INVALID', () => {
  const gen = (over: Record<string, unknown>) => ({ arbitrary: arithmetic, seed: 1, count: 5, ...over });
  it.each([
    ['a bare probe among sources', [[next('a', ' b')], next('c', ' d')], 'probes[1] is a single next probe (prompt "c") where a source of probes belongs'],
    ['a bare probe before a generator', [next('c', ' d'), gen({})], 'probes[0] is a single next probe (prompt "c") where a source of probes belongs'],
    ['a bare probe as the only source', next('c', ' d'), 'probes is a single next probe (prompt "c") where a source of probes belongs'],
    ['null among sources', [[next('a', ' b')], null], 'probes[1] is null, not a source of probes'],
    ['a number', 42, 'probes is the number 42, not a source of probes'],
    ['a generator without an arbitrary', { seed: 1, count: 5 }, 'probes.arbitrary is undefined, not a fast-check Arbitrary'],
    ['a generator whose arbitrary is not one', [[next('a', ' b')], gen({ arbitrary: { generate: 1 } })], 'probes[1].arbitrary is an object with keys generate, not a fast-check Arbitrary'],
    ['a fractional seed', gen({ seed: 1.5 }), 'probes.seed is the number 1.5, not an integer'],
    ['a seed written as text', gen({ seed: '1' }), 'probes.seed is the text "1", not an integer'],
    ['no seed', gen({ seed: undefined }), 'probes.seed is undefined, not an integer'],
    ['a count of 0', gen({ count: 0 }), 'probes.count is the number 0, not a positive integer'],
    ['a fractional count', gen({ count: 2.5 }), 'probes.count is the number 2.5, not a positive integer'],
    ['an arbitrary function returning something else', gen({ arbitrary: () => [next('a', ' b')] }), 'probes.arbitrary is a function that returned a list of 1, not a fast-check Arbitrary'],
    ['a function returning one probe', () => next('a', ' b'), 'probes is a function that returned a single next probe (prompt "a"), not a list of probes'],
    ['an async function', [[next('a', ' b')], async () => [next('c', ' d')]], 'probes[1] is a function that returned a Promise, not a list of probes'],
  ])('%s', (_, probes, what) => {
    const err = expandError(spec('odd', probes));
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.message).toBe(`behaviours/odd.behaviour.ts: behaviour "odd": ${what}`);
  });

  it('says what a list of sources may hold', () => {
    const err = expandError(spec('odd', [[next('a', ' b')], next('c', ' d')]));
    expect(err.fix).toMatch(/a list of probes, a \{ arbitrary, seed, count \} generator, a function of the context returning a list of probes/);
  });

  it('an empty list, a list of probes and a list of sources are told apart', () => {
    expect(expandProbes(spec('empty', []), ctx)).toEqual([]);
    expect(expandProbes(spec('probes', [next('a', ' b'), next('c', ' d')]), ctx)).toHaveLength(2);
    expect(expandProbes(spec('sources', [[], [next('a', ' b')], () => [next('c', ' d')], { arbitrary: arithmetic, seed: 1, count: 3 }]), ctx)).toHaveLength(5);
  });
});

describe('fast-check\'s global configuration cannot change the probes', () => {
  // fc.array's length is fixed by baseSize when the arbitrary is made; unbiased and randomType change every draw.
  const lists = () => ({ arbitrary: fc.array(fc.nat(99)).map((xs) => next(`Sum of [${xs.join(', ')}] is`, ' x')), seed: 7, count: 30 });
  const CHANGING: fc.GlobalParameters = { baseSize: 'xlarge', unbiased: true, randomType: 'mersenne', numRuns: 3 };

  it('expandProbes samples with it reset, and restores it', () => {
    const b = spec('lists', lists());
    const alone = expandProbes(b, ctx).map((p) => p.id);
    const before = fc.readConfigureGlobal();
    try {
      fc.configureGlobal(CHANGING);
      const configured = fc.readConfigureGlobal();
      expect(expandProbes(b, ctx).map((p) => p.id)).toEqual(alone);
      expect(fc.readConfigureGlobal()).toBe(configured);
    } finally {
      fc.configureGlobal(before);
    }
  });

  it('a function source that configures fast-check does not change a generator of the same behaviour', () => {
    const alone = expandProbes(spec('lists', [lists()]), ctx).map((p) => p.id);
    const meddling = () => {
      fc.configureGlobal(CHANGING);
      return [next('meddle', ' x')];
    };
    const before = fc.readConfigureGlobal();
    try {
      const probes = expandProbes(spec('lists', [meddling, { arbitrary: () => lists().arbitrary, seed: 7, count: 30 }]), ctx);
      expect(probes.slice(1).map((p) => p.id)).toEqual(alone);
      expect(fc.readConfigureGlobal()).toBe(before);
    } finally {
      fc.configureGlobal(before);
    }
  });
});
