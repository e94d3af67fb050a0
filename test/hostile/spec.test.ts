import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { evaluateSuite, type Progress } from '../../harness/run/runner.js';
import { behaviour, expandProbes, type Behaviour } from '../../harness/spec/behaviour.js';
import { loadBehaviours } from '../../harness/spec/load.js';
import { check, continuation, next, type ProbeInput } from '../../harness/spec/probe.js';
import { selectGrid } from '../../harness/suite/select.js';
import { loadTokenizer } from '../../harness/tokenize/tokenizer.js';
import { tinySuite } from '../support/tiny-suite.js';

/**
 * Spec files that throw: at import, in their probe generators, in a check while judging, or that
 * export the wrong thing. Each is a one-line error naming the spec file (and the probe, when
 * judging), and answers already in the cache stay as they were.
 */
const repo = join(import.meta.dirname, '..', '..');
mkdirSync(join(repo, '.cache'), { recursive: true });
const specs = mkdtempSync(join(repo, '.cache', 'hostile-spec-'));
const root = mkdtempSync(join(tmpdir(), 'lmb-hostile-spec-'));
afterAll(() => {
  rmSync(specs, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

const dsl = join(repo, 'harness', 'spec', 'index.ts');
const header = `import { behaviour, next } from '${dsl}';\n`;
const good = (name: string) => `${header}export default behaviour('${name}', { description: '', probes: [next('a', 'b')] });\n`;
let folders = 0;
/** A fresh folder per case: Node caches a module's evaluation, failure included, by path. */
function folder(files: Record<string, string>): string {
  const dir = join(specs, `f${folders++}`);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

async function loadError(dir: string): Promise<LmbError> {
  try {
    await loadBehaviours(dir);
  } catch (e) {
    if (e instanceof LmbError) return e;
    throw new Error(`not an LmbError: ${String(e)}`);
  }
  throw new Error(`${dir} loaded`);
}

/** JavaScript expressions for things a spec can throw, beyond what JSON can write. */
const ODD_THROWS = [
  'null', 'undefined', '42', '10n', 'Symbol("s")', 'Object.create(null)', 'new Error("")', 'new Error("first\\n  second\\n\\tthird")',
  '"x".repeat(5000)', 'new (class extends Error { get message() { throw 1; } })()',
  'new Proxy({}, { get() { throw 1; }, getPrototypeOf() { throw 1; }, ownKeys() { throw 1; } })',
];
const thrown = fc.oneof(fc.constantFrom(...ODD_THROWS), fc.jsonValue().map((v) => JSON.stringify(v)), fc.string().map((s) => `new Error(${JSON.stringify(s)})`));
const LOAD_RUNS = 100;
const GENERATOR_RUNS = 20;
const SHAPE_RUNS = 300;

describe('spec files that throw while loading', () => {
  it(`${LOAD_RUNS} thrown values, one per file: each SPEC_FAILED in one line naming the file`, async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(thrown, async (expr) => {
        count++;
        const dir = folder({ 'a.behaviour.ts': good('fine'), 'bad.behaviour.ts': `${header}throw ${expr};\n` });
        const err = await loadError(dir);
        expect(err.code).toBe('SPEC_FAILED');
        expect(err.oneLine()).toMatch(/bad\.behaviour\.ts threw while loading: \S/);
        expect(err.oneLine()).not.toMatch(/[\n\r\t]/);
        expect(err.message.length).toBeLessThan(400);
      }),
      { seed: 2034, numRuns: LOAD_RUNS },
    );
    expect(count).toBe(LOAD_RUNS);
  });

  it.each([
    ['a syntax error', 'export default behaviour(;\n', 'SPEC_FAILED', /threw while loading: .*Unexpected/],
    ['a rejected top-level await', 'await Promise.reject(new Error("no network"));\n', 'SPEC_FAILED', /threw while loading: no network$/],
    ['an import that does not exist', "import './no-such-module.js';\n", 'SPEC_FAILED', /threw while loading: .*no-such-module/],
    ['no exports at all', 'export {};\n', 'SPEC_INVALID', /does not default-export a behaviour/],
    ['only a named export', `${header}export const b = behaviour('named', { description: '', probes: [next('a', 'b')] });\n`, 'SPEC_INVALID', /does not default-export/],
    ['a default export of null', 'export default null;\n', 'SPEC_INVALID', /does not default-export/],
    ['a behaviour name with spaces', `${header}export default behaviour('two words', { description: '', probes: [] });\n`, 'SPEC_FAILED', /must be lower-case words/],
    ['a name another file uses', good('fine'), 'SPEC_DUPLICATE', /both define behaviour "fine"/],
  ])('%s', async (_, text, code, message) => {
    const err = await loadError(folder({ 'a.behaviour.ts': good('fine'), 'bad.behaviour.ts': text }));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(/bad\.behaviour\.ts/);
    expect(err.message).toMatch(message);
    expect(err.oneLine()).not.toMatch(/\n/);
  });
});

describe('spec code that throws while a suite runs', () => {
  const suite = tinySuite(root, 'suite', ['seed-a'], [0, 100]);
  const words = ['the', 'a', 'cat', 'dog', 'sat', 'ran'];
  const fine = behaviour('fine', { description: '', probes: words.map((w) => next(`${w} and`, ' the')) });
  const spec = (name: string, probes: Behaviour['probes']) => Object.assign(behaviour(name, { description: '', probes }), { file: `behaviours/${name}.behaviour.ts` });
  const cacheDir = join(root, 'cache');
  const answers = join(cacheDir, 'answers');
  const stored = () => Object.fromEntries(readdirSync(answers).map((f) => [f, readFileSync(join(answers, f), 'utf8')]));
  const run = (behaviours: Behaviour[], events: Progress[] = []) =>
    evaluateSuite({ suite, grid: selectGrid(suite, 'all'), behaviours, cacheDir, model: { device: 'cpu' }, onProgress: (p) => events.push(p) });
  const computed = (events: Progress[]) => events.flatMap((e) => (e.type === 'checkpoint' ? [e.computed] : []));

  it(`${GENERATOR_RUNS} generators that throw: SPEC_FAILED naming the behaviour and its file, the cache untouched`, async () => {
    await run([fine]);
    const before = stored();
    let count = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ODD_THROWS.slice(0, 9), '"boom"'), fc.constantFrom('map', 'arbitrary', 'list'), async (expr, where) => {
        count++;
        const boom = () => { throw new Function(`return ${expr}`)(); };
        const source: Behaviour['probes'] = where === 'map' ? { arbitrary: fc.nat().map(() => boom() as ProbeInput), seed: 1, count: 5 }
          : where === 'arbitrary' ? { arbitrary: () => boom() as fc.Arbitrary<ProbeInput>, seed: 1, count: 5 } : () => boom() as ProbeInput[];
        await expect(run([fine, spec('generated', source)])).rejects.toMatchObject({
          code: 'SPEC_FAILED',
          message: expect.stringMatching(/^behaviour "generated" \(behaviours\/generated\.behaviour\.ts\) threw while making its probes: [^\n]+$/),
        });
      }),
      { seed: 2035, numRuns: GENERATOR_RUNS },
    );
    expect(count).toBe(GENERATOR_RUNS);
    expect(stored()).toEqual(before);
  });

  it('a probe that is not a probe is PROBE_INVALID naming the file, the behaviour and where it is, before any checkpoint loads', async () => {
    const events: Progress[] = [];
    const odd = spec('odd', [{ prompt: 'a', judge: { kind: 'nope' } } as unknown as ProbeInput]);
    await expect(run([fine, odd], events)).rejects.toMatchObject({
      code: 'PROBE_INVALID',
      message: 'behaviours/odd.behaviour.ts: behaviour "odd", probes[0] (prompt "a"): has judging kind "nope", not one of next, choice, continuation, copying',
    });
    expect(computed(events)).toEqual([]);
  });

  it('a check that throws while judging names the probe; answers stored before it stay, and nothing is recomputed', async () => {
    await run([fine]);
    const before = stored();
    // Passes the first checkpoint's probes, then throws on the second checkpoint's first one.
    let judged = 0;
    const fussy = spec('fussy', words.map((w) => continuation(`I saw ${w}`, 2, check('throws after six', () => {
      if (++judged > words.length) throw new TypeError('cannot read "x"\n    at check (fussy.behaviour.ts:3:9)');
      return true;
    }))));
    const err = await run([fine, fussy]).then(() => undefined, (e: unknown) => e);
    if (!(err instanceof LmbError)) throw new Error(`expected an LmbError, got ${String(err)}`);
    expect(err.code).toBe('SPEC_FAILED');
    expect(err.oneLine()).toMatch(/^probe [0-9a-f]{12} of behaviour "fussy" \(behaviours\/fussy\.behaviour\.ts\) threw while judging: cannot read "x" at check \(fussy\.behaviour\.ts:3:9\)\. Fix the spec file/);

    // Answers are stored before probes are judged: every answer stored before is still there, as it was.
    const after = stored();
    for (const [file, text] of Object.entries(before)) {
      for (const [key, a] of Object.entries(JSON.parse(text).answers)) expect(JSON.parse(after[file]).answers[key]).toEqual(a);
    }

    const events: Progress[] = [];
    await run([fine], events);
    expect(computed(events)).toEqual([0, 0]);
  });

  it('an async check is refused rather than counted as a pass', async () => {
    const eager = spec('eager', [continuation('I saw the', 2, check('async', (async () => true) as unknown as () => boolean))]);
    await expect(run([eager])).rejects.toMatchObject({
      code: 'SPEC_FAILED',
      message: expect.stringMatching(/behaviour "eager" .* threw while judging: check "async" returned a Promise, not true or false$/),
    });
  });
});

describe('whatever a spec puts where probes belong', () => {
  const tokenizer = loadTokenizer(join(repo, 'test', 'fixtures', 'gpt2-tokenizer'));
  const ctx = { tokenizer, vocabSize: tokenizer.vocabSize };
  // Values of every shape, put in every place a source, a probe or a probe's field can be.
  const PLACES: [string, (x: unknown) => unknown][] = [
    ['probes', (x) => x], ['a list of probes', (x) => [next('a', ' b'), x]], ['a list of sources', (x) => [[next('a', ' b')], x]],
    ['a nested list', (x) => [[x]]], ['a generator\'s draws', (x) => ({ arbitrary: fc.constant(x), seed: 1, count: 1 })],
    ['a generator\'s seed', (x) => ({ arbitrary: fc.constant(next('a', ' b')), seed: x, count: 1 })],
    ['a generator\'s count', (x) => ({ arbitrary: fc.constant(next('a', ' b')), seed: 1, count: x })],
    ['a function\'s result', (x) => () => x], ['a function\'s list', (x) => () => [x]],
    ['a prompt', (x) => [{ prompt: x, judge: { kind: 'next', expected: ' b' } }]], ['a judge', (x) => [{ prompt: 'a', judge: x }]],
    ['choice options', (x) => [{ prompt: 'a', judge: { kind: 'choice', options: x, answer: 0 } }]],
    ['a check', (x) => [{ prompt: 'a', judge: { kind: 'continuation', maxTokens: 2, check: x } }]],
    ['a segment', (x) => [{ prompt: 'a', judge: { kind: 'copying', segment: x, minAccuracy: 0.5 } }]],
    ['tags', (x) => [{ prompt: 'a', judge: { kind: 'next', expected: ' b' }, tags: x }]],
  ];

  it(`${SHAPE_RUNS} values in ${PLACES.length} places: probes, or one line of LmbError naming the file, never a TypeError`, () => {
    let count = 0;
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: true }), fc.constantFrom(...PLACES), (x, [, place]) => {
        count++;
        const b = Object.assign(behaviour('shapes', { description: '', probes: place(x) as Behaviour['probes'] }), { file: 'behaviours/shapes.behaviour.ts' });
        let probes: unknown;
        try {
          probes = expandProbes(b, ctx);
        } catch (e) {
          if (!(e instanceof LmbError)) throw new Error(`not an LmbError: ${String(e)}`);
          expect(['SPEC_INVALID', 'PROBE_INVALID', 'PROBES_TOO_FEW']).toContain(e.code);
          expect(e.message).toMatch(/^behaviours\/shapes\.behaviour\.ts: behaviour "shapes"[:,] /);
          expect(e.oneLine()).not.toMatch(/[\n\r\u2028\u2029]/);
          expect(e.message.length).toBeLessThan(400);
          return;
        }
        expect(Array.isArray(probes)).toBe(true);
      }),
      { seed: 2036, numRuns: SHAPE_RUNS },
    );
    expect(count).toBe(SHAPE_RUNS);
  });
});
