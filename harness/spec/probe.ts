import { createHash } from 'node:crypto';
import { LmbError } from '../errors.js';
import { builderError, checkProblem, probeProblem, shortPrompt, show } from './contracts.js';

/** Text, or token ids when a probe is about tokens rather than text (e.g. random-token copying). */
export type Prompt = string | { readonly ids: readonly number[] };

/** A named predicate on generated text; the name is part of the probe's identity. */
export interface Check {
  readonly name: string;
  test(text: string): boolean;
}

/**
 * How a probe judges the model; a closed union, each kind answered by one file in judge/.
 * - next: the greedy continuation is exactly `expected` (checked token by token, teacher-forced).
 * - choice: `options[answer]` has the highest summed log-prob among the options.
 * - continuation: greedy-decode `maxTokens` tokens, then `check` the text.
 * - copying: `segment` is repeated after the prompt; the model's top-1 accuracy on the repeat
 *   must reach `minAccuracy`.
 */
export type Judge =
  | { readonly kind: 'next'; readonly expected: string }
  | { readonly kind: 'choice'; readonly options: readonly string[]; readonly answer: number }
  | { readonly kind: 'continuation'; readonly maxTokens: number; readonly check: Check }
  | { readonly kind: 'copying'; readonly segment: Prompt; readonly minAccuracy: number };

/**
 * A judge as results record it: a continuation's check keeps its name, not its code, so
 * results written by one process (a shard) can be read by another.
 */
export type JudgeRecord =
  | Exclude<Judge, { kind: 'continuation' }>
  | { readonly kind: 'continuation'; readonly maxTokens: number; readonly check: { readonly name: string } };

export interface ProbeInput {
  readonly prompt: Prompt;
  readonly judge: Judge;
  /** Free-form labels for slicing results (e.g. `depth:3`, `lang:fr`). */
  readonly tags?: readonly string[];
}

export interface Probe extends ProbeInput {
  /** A hash of the probe's content: the same probe has the same id in every run. */
  readonly id: string;
  readonly behaviour: string;
}

/** A probe as results record it (see JudgeRecord); every Probe is one. */
export type ProbeRecord = Omit<Probe, 'judge'> & { readonly judge: JudgeRecord };

export function probeId(p: ProbeInput): string {
  const judge = p.judge.kind === 'continuation' ? { ...p.judge, check: p.judge.check.name } : p.judge;
  return createHash('sha256').update(JSON.stringify([p.prompt, judge])).digest('hex').slice(0, 12);
}

/** Throws PROBE_INVALID, naming the builder, when `probe` could never be judged meaningfully. */
function checked<P extends ProbeInput>(probe: P): P {
  const problem = probeProblem(probe);
  if (problem) throw builderError(problem, probe.prompt);
  return probe;
}

/** The greedy continuation of `prompt` is exactly `expected`. */
export const next = (prompt: Prompt, expected: string, tags?: string[]): ProbeInput => checked({ prompt, judge: { kind: 'next', expected }, tags });

/** `answer` (an option or its index) is the most likely of `options` after `prompt`. */
export function choice(prompt: Prompt, options: readonly string[], answer: string | number, tags?: string[]): ProbeInput {
  const index = typeof answer === 'string' && Array.isArray(options) ? options.indexOf(answer) : answer;
  const probe: ProbeInput = { prompt, judge: { kind: 'choice', options, answer: index as number }, tags };
  const problem = probeProblem(probe);
  if (problem?.field === 'answer' && typeof answer === 'string') {
    throw new LmbError('PROBE_INVALID', `choice: answer ${show(answer)} is not one of the options ${show(options)} (prompt ${shortPrompt(prompt)})`, problem.fix);
  }
  if (problem) throw builderError(problem, prompt);
  return probe;
}

/** Greedy-decode `maxTokens` tokens after `prompt`; the probe passes when `check` accepts the text. */
export const continuation = (prompt: Prompt, maxTokens: number, check: Check, tags?: string[]): ProbeInput =>
  checked({ prompt, judge: { kind: 'continuation', maxTokens, check }, tags });

/**
 * `prompt` + `segment` + `segment`: top-1 accuracy on the second copy must reach `minAccuracy`.
 * The prompt may be empty; the segment needs at least two tokens (the repeat's first is not scored).
 */
export const copying = (prompt: Prompt, segment: Prompt, minAccuracy = 0.5, tags?: string[]): ProbeInput =>
  checked({ prompt, judge: { kind: 'copying', segment, minAccuracy }, tags });

/** A named predicate; the name is part of the identity of the probes that use it. */
export function check(name: string, test: (text: string) => boolean): Check {
  const c = { name, test };
  const problem = checkProblem('check', c);
  if (problem) throw builderError(problem, undefined);
  return c;
}

export function describePrompt(p: Prompt): string {
  return typeof p === 'string' ? JSON.stringify(p) : `ids[${p.ids.join(',')}]`;
}
