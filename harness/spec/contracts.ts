/**
 * What makes a probe one that can be judged meaningfully: checked by the builders in probe.ts
 * (at the call site) and again by expandProbes (for probes written as plain objects, with the
 * tokenizer at hand). Every problem is one line: what is wrong, and what to do about it.
 */
import { encodePrompt } from '../judge/judge.js';
import { LmbError } from '../errors.js';
import type { TextTokenizer } from '../tokenize/tokenizer.js';
import type { Judge, Prompt } from './probe.js';

/** The judging kinds, as the builders name them; judge/index.ts has one implementation each. */
export const JUDGE_KINDS = ['next', 'choice', 'continuation', 'copying'] as const satisfies readonly Judge['kind'][];
// A kind added to Judge and not here fails to compile.
const allKinds: [Exclude<Judge['kind'], (typeof JUDGE_KINDS)[number]>] extends [never] ? true : never = true;
void allKinds;

export interface Problem {
  /** The API the problem is about: a builder's name, or `probe` for what no builder makes. */
  readonly api: string;
  /** What is wrong, e.g. `needs at least two options, got ["a"]`. */
  readonly what: string;
  readonly fix: string;
  /** The field at fault: `prompt`, `answer`, ... */
  readonly field: string;
}

const MAKE = 'Make probes with next(), choice(), continuation() or copying() from harness/spec';

type Obj = Record<string, unknown>;
const isObject = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A value as a message quotes it: JSON where it can be, shortened, on one line. */
export function show(value: unknown, max = 60): string {
  let text: string;
  try {
    if (typeof value === 'function') text = 'a function';
    else if (typeof value === 'symbol' || typeof value === 'bigint' || value === undefined) text = String(value);
    else if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
    // Text is cut before quoting, so that it stays a quoted string.
    else if (typeof value === 'string') return JSON.stringify(value.length > max - 2 ? `${value.slice(0, max - 3)}…` : value).replace(/[\u007f-\u009f\u2028\u2029]+/g, ' ');
    else text = JSON.stringify(value) ?? String(value);
  } catch {
    text = 'an unprintable value';
  }
  text = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A prompt, shortened, for a message: `"The day after Mon…"` or `ids[50256,1,2,…]`. */
export function shortPrompt(p: unknown): string {
  try {
    if (typeof p === 'string') return show(p, 42);
    if (isObject(p) && Array.isArray(p.ids)) {
      const ids = p.ids as unknown[];
      return `ids[${ids.slice(0, 6).map((id) => show(id, 12)).join(',')}${ids.length > 6 ? ',…' : ''}]`;
    }
  } catch {
    // fall through
  }
  return show(p, 42);
}

/** What a value is, for "found X where Y belongs". */
export function describeValue(x: unknown): string {
  try {
    if (x === null) return 'null';
    if (x === undefined) return 'undefined';
    if (typeof x === 'function') return 'a function';
    if (typeof x === 'string') return `the text ${show(x, 40)}`;
    if (typeof x !== 'object') return `the ${typeof x} ${show(x, 40)}`;
    if (Array.isArray(x)) return `a list of ${x.length}`;
    if (typeof (x as { then?: unknown }).then === 'function') return 'a Promise';
    if (isProbeLike(x)) return `a single ${kindName(x)}probe (prompt ${shortPrompt(x.prompt)})`;
    if (isArbitraryLike(x)) return 'a fast-check Arbitrary';
    const keys = Object.keys(x);
    const listed = keys.slice(0, 5).map((k) => (/^[\w$]{1,30}$/.test(k) ? k : show(k, 30))).join(', ');
    return keys.length === 0 ? 'an empty object' : `an object with keys ${listed}${keys.length > 5 ? ', …' : ''}`;
  } catch {
    return 'an unreadable value';
  }
}

function kindName(p: Obj): string {
  const kind = isObject(p.judge) ? p.judge.kind : undefined;
  return typeof kind === 'string' && (JUDGE_KINDS as readonly string[]).includes(kind) ? `${kind} ` : '';
}

/** An object that looks like a probe (as opposed to a source of probes). */
export function isProbeLike(x: unknown): x is Obj {
  return isObject(x) && !('arbitrary' in x) && ('prompt' in x || 'judge' in x);
}

/** A fast-check Arbitrary, by shape: a spec may hold another copy of fast-check than the harness. */
export function isArbitraryLike(x: unknown): boolean {
  return isObject(x) && typeof x.generate === 'function' && typeof x.shrink === 'function' && typeof x.canShrinkWithoutContext === 'function';
}

const problem = (api: string, field: string, what: string, fix: string): Problem => ({ api, field, what, fix });

/** Problems of a prompt or a copying segment; `empty` says whether nothing at all is allowed. */
function promptProblem(api: string, field: string, p: unknown, empty: boolean): Problem | undefined {
  const name = field === 'prompt' ? 'the prompt' : `the ${field}`;
  if (typeof p === 'string') {
    return p === '' && !empty ? problem(api, field, `${name} is empty`, `Give ${api}() a ${field} of at least one token`) : undefined;
  }
  if (!isObject(p) || !Array.isArray(p.ids)) {
    return problem(api, field, `${name} is ${describeValue(p)}, not text or { ids: [...] }`, `Write the ${field} as a string, or as { ids: [token ids] }`);
  }
  const ids = p.ids as unknown[];
  if (ids.length === 0 && !empty) return problem(api, field, `${name} is { ids: [] }, no token at all`, `Give ${api}() a ${field} of at least one token`);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(typeof id === 'number' && Number.isSafeInteger(id) && id >= 0)) {
      return problem(api, field, `${name}'s ids[${i}] is ${show(id, 20)}, not a token id (a non-negative integer)`, 'Token ids are non-negative integers');
    }
  }
  return undefined;
}

/** Problems of a named check: `api` is `check` for the builder, `continuation` inside a probe. */
export function checkProblem(api: string, c: unknown): Problem | undefined {
  const field = api === 'check' ? 'name' : 'check';
  const the = api === 'check' ? '' : 'the check ';
  if (!isObject(c)) return problem(api, field, `the check is ${describeValue(c)}, not a check`, "Make the check with check('what it accepts', (text) => ...)");
  if (typeof c.name !== 'string' || c.name.trim() === '') {
    return problem(api, field, `${the}needs a name, got ${show(c.name)}`, "Name the check after what it accepts: the name is part of the probe's identity and of its results");
  }
  if (typeof c.test !== 'function') {
    return problem(api, field, `${the}${show(c.name, 40)} needs a test function, got ${describeValue(c.test)}`, 'Give check() a function (text) => boolean');
  }
  return undefined;
}

/**
 * What makes `input` a probe that can never be judged meaningfully, or undefined when there is
 * nothing. With a tokenizer, a copying segment is also checked to have at least two tokens.
 */
export function probeProblem(input: unknown, tokenizer?: TextTokenizer): Problem | undefined {
  if (!isObject(input)) return problem('probe', 'probe', `is ${describeValue(input)}, not a probe`, MAKE);
  const judge = input.judge;
  if (!isObject(judge)) return problem('probe', 'judge', `has no judge (judge is ${describeValue(judge)})`, MAKE);
  const kind = judge.kind;
  if (typeof kind !== 'string' || !(JUDGE_KINDS as readonly string[]).includes(kind)) {
    return problem('probe', 'judge', `has judging kind ${show(kind)}, not one of ${JUDGE_KINDS.join(', ')}`, MAKE);
  }
  // A copying probe repeats its segment after the prompt: the segment alone is context enough.
  const bad = promptProblem(kind, 'prompt', input.prompt, kind === 'copying') ?? judgeProblem(kind, judge, tokenizer);
  if (bad) return bad;
  const tags = input.tags;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    return problem(kind, 'tags', `tags must be a list of strings, got ${show(tags)}`, "Write tags as strings, e.g. ['depth:3', 'lang:fr']");
  }
  return undefined;
}

function judgeProblem(kind: string, j: Obj, tokenizer?: TextTokenizer): Problem | undefined {
  switch (kind) {
    case 'next':
      if (typeof j.expected !== 'string' || j.expected === '') {
        return problem(kind, 'expected', `needs a non-empty expected text, got ${show(j.expected)}`, 'Give next() the text the greedy continuation must be, e.g. next(\'The capital of France is\', \' Paris\')');
      }
      return undefined;
    case 'choice': {
      const options = j.options;
      if (!Array.isArray(options) || !options.every((o) => typeof o === 'string')) {
        return problem(kind, 'options', `options must be a list of strings, got ${show(options)}`, 'Give choice() a list of the texts to compare');
      }
      if (options.length < 2) return problem(kind, 'options', `needs at least two options, got ${show(options)}`, 'Give choice() the answer and at least one other option');
      const empty = options.indexOf('');
      if (empty >= 0) return problem(kind, 'options', `option ${empty} is empty, in ${show(options)}`, 'Every option must be a non-empty text: an empty one has no log-prob to compare');
      const dup = options.findIndex((o, i) => options.indexOf(o) !== i);
      if (dup >= 0) {
        return problem(kind, 'options', `options ${options.indexOf(options[dup])} and ${dup} are both ${show(options[dup])}`, 'Make the options different: two equal options tie, and the answer can never win');
      }
      const a = j.answer;
      if (!(typeof a === 'number' && Number.isInteger(a) && a >= 0 && a < options.length)) {
        return problem(kind, 'answer', `answer ${show(a)} is not an index of the options (0 to ${options.length - 1})`, 'Give the answer as one of the options or its index');
      }
      return undefined;
    }
    case 'continuation': {
      const n = j.maxTokens;
      if (!(typeof n === 'number' && Number.isSafeInteger(n) && n >= 1)) {
        return problem(kind, 'maxTokens', `maxTokens must be an integer of at least 1, got ${show(n)}`, 'Give continuation() how many tokens to decode, e.g. 8');
      }
      return checkProblem(kind, j.check);
    }
    case 'copying': {
      const bad = promptProblem(kind, 'segment', j.segment, false);
      if (bad) return bad;
      const m = j.minAccuracy;
      if (!(typeof m === 'number' && m >= 0 && m <= 1)) {
        return problem(kind, 'minAccuracy', `minAccuracy must be a number from 0 to 1, got ${show(m)}`, 'Give copying() the top-1 accuracy the repeat must reach, e.g. 0.5');
      }
      const tokens = segmentTokens(j.segment as Prompt, tokenizer);
      if (tokens !== undefined && tokens < 2) {
        return problem(kind, 'segment', `the segment ${shortPrompt(j.segment)} is ${tokens} token${tokens === 1 ? '' : 's'}: the repeat's first token is not scored, so it can never pass`,
          'Give copying() a segment of at least two tokens');
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** How many tokens the copying judge sees in the segment; undefined when that needs a tokenizer there is none of. */
function segmentTokens(segment: Prompt, tokenizer?: TextTokenizer): number | undefined {
  if (typeof segment !== 'string') return segment.ids.length;
  if (!tokenizer) return undefined;
  try {
    return encodePrompt(segment, tokenizer).length;
  } catch {
    // A text the tokenizer cannot encode is refused, naming the probe, when its requests are made.
    return undefined;
  }
}

/** The builders' error: `choice: needs at least two options, got ["a"] (prompt "x")`. */
export function builderError(p: Problem, prompt: unknown): LmbError {
  const about = p.field === 'prompt' || prompt === undefined ? '' : ` (prompt ${shortPrompt(prompt)})`;
  return new LmbError('PROBE_INVALID', `${p.api}: ${p.what}${about}`, p.fix);
}

/** Whether `e` is an LmbError, without looking at it in a way that can throw. */
export function isLmbError(e: unknown): e is LmbError {
  try {
    return e instanceof LmbError;
  } catch {
    return false;
  }
}

/** PROBE_INVALID as the builders throw it, recognised by shape: a spec may load another copy of errors.ts. */
export function isProbeInvalid(e: unknown): e is LmbError {
  try {
    return e instanceof Error && e.name === 'LmbError' && (e as { code?: unknown }).code === 'PROBE_INVALID';
  } catch {
    // What a spec throws may be a Proxy that throws when looked at.
    return false;
  }
}
