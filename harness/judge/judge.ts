import type { Answer, Request } from '../score/requests.js';
import type { Judge, Prompt } from '../spec/probe.js';
import type { TextTokenizer } from '../tokenize/tokenizer.js';

/** What happened when a probe was judged; `output` says what the model did, for messages. */
export interface Outcome {
  readonly pass: boolean;
  readonly output: string;
  /** A continuous score where the kind has one (copying accuracy, log-prob margin). */
  readonly score?: number;
}

/** One judging kind: the requests a probe needs, and the verdict from their answers. */
export interface JudgeKind<J extends Judge> {
  requests(judge: J, prompt: Prompt, tok: TextTokenizer): Request[];
  decide(judge: J, answers: readonly Answer[], tok: TextTokenizer): Outcome;
}

export function encodePrompt(p: Prompt, tok: TextTokenizer): number[] {
  return typeof p === 'string' ? tok.encode(p) : [...p.ids];
}

/** Splits `prompt + text` into context and continuation ids, keeping the context's tokenization. */
export function encodeContinuation(prompt: Prompt, text: string, tok: TextTokenizer): { context: number[]; continuation: number[] } {
  const context = encodePrompt(prompt, tok);
  if (typeof prompt !== 'string') return { context, continuation: tok.encode(text) };
  const whole = tok.encode(prompt + text);
  const sharesPrefix = whole.length > context.length && context.every((id, i) => whole[i] === id);
  return { context, continuation: sharesPrefix ? whole.slice(context.length) : tok.encode(text) };
}
