import fc from 'fast-check';
import { LmbError, thrownLine } from '../errors.js';
import type { TextTokenizer } from '../tokenize/tokenizer.js';
import { describeValue, isArbitraryLike, isLmbError, isProbeInvalid, isProbeLike, probeProblem, shortPrompt } from './contracts.js';
import { probeId, type Probe, type ProbeInput } from './probe.js';

/** What a probe generator may need to know about the model family it will run against. */
export interface ProbeContext {
  readonly vocabSize: number;
  readonly tokenizer: TextTokenizer;
}

/** Generated probes: a fast-check arbitrary sampled with a fixed seed, so every run sees the same probes. */
export interface Generated {
  readonly arbitrary: fc.Arbitrary<ProbeInput> | ((ctx: ProbeContext) => fc.Arbitrary<ProbeInput>);
  readonly seed: number;
  readonly count: number;
}

export type ProbeSource = readonly ProbeInput[] | Generated | ((ctx: ProbeContext) => readonly ProbeInput[]);

/** A minimum pass rate a cell must reach, independent of the snapshot. */
export interface Floor {
  readonly rate: number;
  /** Which checkpoints it applies to: the final one of each run (default) or from a step on. */
  readonly from?: 'final' | number;
  /** The suites it applies to (default: all); a floor for GPT-2 means little for a toy family. */
  readonly suites?: readonly string[];
}

export interface BehaviourDefinition {
  readonly description: string;
  readonly probes: ProbeSource | readonly ProbeSource[];
  readonly floors?: readonly Floor[];
}

export interface Behaviour extends BehaviourDefinition {
  readonly name: string;
  /** The file that defined it, filled in by the loader. */
  file?: string;
}

const REGISTER = Symbol.for('lm-behaviours.register');

/**
 * Declares a behaviour; a spec file default-exports the result. Under `vitest --project
 * behaviours` this also registers the behaviour's tests (see harness/vitest/).
 */
export function behaviour(name: string, definition: BehaviourDefinition): Behaviour {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`behaviour name "${name}" must be lower-case words joined by "-"`);
  const b: Behaviour = { name, ...definition };
  const register = (globalThis as Record<symbol, unknown>)[REGISTER] as ((b: Behaviour) => void) | undefined;
  register?.(b);
  return b;
}

export function setRegisterHook(hook: ((b: Behaviour) => void) | undefined): void {
  (globalThis as Record<symbol, unknown>)[REGISTER] = hook;
}

/** The spec file each expanded probe came from, for error messages; kept off the probe, which results record. */
const specFiles = new WeakMap<Probe, string>();

export const specFileOf = (probe: Probe): string | undefined => specFiles.get(probe);

/** One source of a behaviour, as found: `at` is where (`probes`, `probes[1]`), for messages. */
export type FoundSource =
  | { readonly kind: 'list'; readonly at: string; readonly items: readonly unknown[] }
  | { readonly kind: 'function'; readonly at: string; readonly fn: (ctx: ProbeContext) => unknown }
  | { readonly kind: 'generated'; readonly at: string; readonly arbitrary: unknown; readonly seed: number; readonly count: number };

const SOURCES = 'probes takes a list of probes, a { arbitrary, seed, count } generator, a function of the context returning a list of probes, or a list of these';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isGeneratorLike = (x: unknown): x is Record<string, unknown> => isObject(x) && ('arbitrary' in x || (!isProbeLike(x) && ('seed' in x || 'count' in x)));
/** What can only be a source, never a probe: so an array holding one is a list of sources. */
const isSourceOnly = (x: unknown) => Array.isArray(x) || typeof x === 'function' || isGeneratorLike(x);

/** `spec.behaviour.ts: behaviour "name"`, or the name alone for a behaviour made in code. */
const whereOf = (b: Behaviour) => (b.file ? `${b.file}: behaviour "${b.name}"` : `behaviour "${b.name}"`);

/**
 * A behaviour's sources. `probes` is one source or a list of them; an array is a list of sources
 * when any element can only be a source (a list, a function, a generator), else a list of probes.
 * Anything else (a bare probe where a source belongs, a generator without a seed) is SPEC_INVALID.
 */
export function probeSources(b: Behaviour): FoundSource[] {
  const p: unknown = b.probes;
  if (Array.isArray(p) && p.some(isSourceOnly)) return p.map((s, i) => sourceOf(b, s, `probes[${i}]`));
  return [sourceOf(b, p, 'probes')];
}

function sourceOf(b: Behaviour, s: unknown, at: string): FoundSource {
  const invalid = (what: string, fix = SOURCES) => new LmbError('SPEC_INVALID', `${whereOf(b)}: ${what}`, fix);
  if (Array.isArray(s)) return { kind: 'list', at, items: s };
  if (typeof s === 'function') return { kind: 'function', at, fn: s as (ctx: ProbeContext) => unknown };
  if (isGeneratorLike(s)) {
    const { arbitrary, seed, count } = s;
    if (typeof arbitrary !== 'function' && !isArbitraryLike(arbitrary)) {
      throw invalid(`${at}.arbitrary is ${describeValue(arbitrary)}, not a fast-check Arbitrary`, 'Give a generator an arbitrary made with fc (or a function of the context returning one), a seed and a count');
    }
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw invalid(`${at}.seed is ${describeValue(seed)}, not an integer`, 'Give a generator a fixed integer seed, so that every run sees the same probes');
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
      throw invalid(`${at}.count is ${describeValue(count)}, not a positive integer`, 'Give a generator the number of distinct probes to draw');
    }
    return { kind: 'generated', at, arbitrary, seed, count };
  }
  if (isProbeLike(s)) {
    const fix = at === 'probes' ? 'Put it in a list: probes: [next(...)]' : `Put it inside a list of probes; ${SOURCES}`;
    throw invalid(`${at} is ${describeValue(s)} where a source of probes belongs`, fix);
  }
  throw invalid(`${at} is ${describeValue(s)}, not a source of probes`);
}

/** A probe, checked, with its id. */
interface Placed { readonly input: ProbeInput; readonly id: string }

/** Throws PROBE_INVALID when `input` (at `at`) could never be judged meaningfully. */
function assertProbe(b: Behaviour, input: unknown, at: string, tokenizer?: TextTokenizer): asserts input is ProbeInput {
  const problem = probeProblem(input, tokenizer);
  if (!problem) return;
  const prompt = isObject(input) && problem.field !== 'prompt' && problem.field !== 'probe' ? ` (prompt ${shortPrompt(input.prompt)})` : '';
  const api = problem.api === 'probe' ? '' : ` ${problem.api}`;
  throw new LmbError('PROBE_INVALID', `${whereOf(b)}, ${at}${api}${prompt}: ${problem.what}`, problem.fix);
}

/** Validates the probes of a list (or a function's list) and refuses one written twice in the behaviour. */
function placeAll(b: Behaviour, items: readonly unknown[], at: (i: number) => string, seen: Map<string, string>, tokenizer?: TextTokenizer): Placed[] {
  const out: Placed[] = [];
  // By index, not map: a hole in the list is a missing probe, not nothing.
  for (let i = 0; i < items.length; i++) {
    const input = items[i];
    assertProbe(b, input, at(i), tokenizer);
    const id = probeId(input);
    const first = seen.get(id);
    if (first !== undefined) {
      throw new LmbError('PROBE_INVALID', `${whereOf(b)}: ${at(i)} is the same probe as ${first}, ${input.judge.kind} with prompt ${shortPrompt(input.prompt)}`,
        'Remove one of them: a probe is its prompt and judge (tags do not count), and each is asked once');
    }
    seen.set(id, at(i));
    out.push({ input, id });
  }
  return out;
}

/**
 * The checks that need no tokenizer, for the loader: the sources' shapes, generators' seeds and
 * counts, and every probe of a fixed list. Functions and generators run when probes expand.
 */
export function checkBehaviour(b: Behaviour): void {
  const seen = new Map<string, string>();
  for (const s of probeSources(b)) if (s.kind === 'list') placeAll(b, s.items, (i) => `${s.at}[${i}]`, seen);
}

/**
 * Expands a behaviour's sources into probes with ids, in source order. A probe written twice (in
 * lists or returned by functions) is refused; a generator draws until it has `count` probes that
 * are distinct, and new to the behaviour. Sampling ignores fast-check's global configuration.
 */
export function expandProbes(b: Behaviour, ctx: ProbeContext): Probe[] {
  const saved = fc.readConfigureGlobal();
  try {
    const sources = probeSources(b);
    const seen = new Map<string, string>();
    const placed = new Map<FoundSource, Placed[]>();
    for (const s of sources) {
      if (s.kind === 'list') placed.set(s, placeAll(b, s.items, (i) => `${s.at}[${i}]`, seen, ctx.tokenizer));
      if (s.kind !== 'function') continue;
      const items = specCode(b, s.at, () => s.fn(ctx));
      if (!Array.isArray(items)) {
        throw new LmbError('SPEC_INVALID', `${whereOf(b)}: ${s.at} is a function that returned ${describeValue(items)}, not a list of probes`,
          'Return a list of probes from the function (it cannot be async)');
      }
      placed.set(s, placeAll(b, items, (i) => `${s.at}(ctx)[${i}]`, seen, ctx.tokenizer));
    }
    // Generated probes count only when new: to each other, and to every list and function.
    const taken = new Set(seen.keys());
    for (const s of sources) if (s.kind === 'generated') placed.set(s, drawDistinct(b, s, ctx, taken));
    const out: Probe[] = [];
    for (const s of sources) {
      for (const { input, id } of placed.get(s)!) {
        const probe: Probe = { ...input, id, behaviour: b.name };
        if (b.file) specFiles.set(probe, b.file);
        out.push(probe);
      }
    }
    return out;
  } catch (e) {
    // Whatever spec code throws (a string, null, a multi-line message) reaches the caller as a one-line Error.
    if (isLmbError(e)) throw e;
    throw new Error(thrownLine(e));
  } finally {
    fc.configureGlobal(saved);
  }
}

/**
 * Runs spec code with fast-check's global configuration reset (it changes what arbitraries
 * generate). PROBE_INVALID from a builder gains where it was called; anything else thrown becomes
 * a one-line Error, which the runner reports as SPEC_FAILED.
 */
function specCode<T>(b: Behaviour, at: string, fn: () => T): T {
  fc.resetConfigureGlobal();
  try {
    return fn();
  } catch (e) {
    if (isProbeInvalid(e)) throw new LmbError('PROBE_INVALID', `${whereOf(b)}, ${at}: ${e.message}`, e.fix);
    throw new Error(thrownLine(e));
  }
}

const drawBudget = (count: number) => Math.max(20 * count, 1000);

/**
 * The first `count` probes of the generator's sample that are distinct and not in `taken` (which
 * gains them). fast-check's sample of n values begins with its sample of fewer, for one seed:
 * the sample grows (doubling, from `count`) until it holds enough, or reaches the draw budget.
 */
function drawDistinct(b: Behaviour, s: Extract<FoundSource, { kind: 'generated' }>, ctx: ProbeContext, taken: Set<string>): Placed[] {
  const arbitrary = typeof s.arbitrary === 'function' ? specCode(b, `${s.at}.arbitrary(ctx)`, () => (s.arbitrary as (ctx: ProbeContext) => unknown)(ctx)) : s.arbitrary;
  if (!isArbitraryLike(arbitrary)) {
    throw new LmbError('SPEC_INVALID', `${whereOf(b)}: ${s.at}.arbitrary is a function that returned ${describeValue(arbitrary)}, not a fast-check Arbitrary`,
      'Return an arbitrary made with fc from the function');
  }
  const about = `${s.at} (a generator, seed ${s.seed}, count ${s.count})`;
  const budget = drawBudget(s.count);
  let ids: string[] = [];
  for (let n = s.count; ; n = Math.min(budget, 2 * n)) {
    const values = specCode(b, about, () => fc.sample(arbitrary as fc.Arbitrary<unknown>, { seed: s.seed, numRuns: n }));
    const now: string[] = [];
    const kept: Placed[] = [];
    const mine = new Set<string>();
    let earlier = 0;
    for (let i = 0; i < values.length && kept.length < s.count; i++) {
      const v = values[i];
      if (i >= ids.length) assertProbe(b, v, `${s.at} draw ${i}`, ctx.tokenizer);
      const id = safeId(v);
      if (i < ids.length && id !== ids[i]) {
        throw new LmbError('SPEC_INVALID', `${whereOf(b)}: ${about} drew a different probe ${i} from the same seed`,
          'Make the arbitrary depend only on what fast-check draws: no Math.random, Date or state kept between draws');
      }
      now.push(id!);
      if (mine.has(id!)) continue;
      mine.add(id!);
      if (taken.has(id!)) earlier++;
      else kept.push({ input: v as ProbeInput, id: id! });
    }
    if (kept.length === s.count) {
      for (const p of kept) taken.add(p.id);
      return kept;
    }
    if (n >= budget) {
      const besides = earlier ? ` (besides ${earlier} already in the behaviour's other sources)` : '';
      throw new LmbError('PROBES_TOO_FEW', `${whereOf(b)}: ${about} made only ${kept.length} distinct probes${besides} in ${n} draws`,
        `Set count to at most ${kept.length}, or give the arbitrary more values to draw from`);
    }
    ids = now;
  }
}

function safeId(v: unknown): string | undefined {
  try {
    return probeId(v as ProbeInput);
  } catch {
    return undefined;
  }
}
