import { createHash } from 'node:crypto';
import type { Answer, Request } from '../score/requests.js';

/**
 * A model's answer as stored on disk, without what its request already says (a tokens answer
 * keeps only the scored positions, not the ids). Float32 scores are written with the fewest
 * digits that read back to the same float32, so a stored answer is bit-exact and small.
 */
export type StoredAnswer =
  | { readonly kind: 'loglikelihood'; readonly logprob: number | string; readonly isGreedy: boolean }
  | { readonly kind: 'greedy'; readonly tokens: readonly number[] }
  | { readonly kind: 'tokens'; readonly from: number; readonly logprobs: readonly (number | string)[]; readonly top1: readonly number[] };

/** A request's identity: its kind and everything the model is given (ids, parameters). */
export function requestKey(r: Request): string {
  const content = r.kind === 'loglikelihood' ? [r.kind, r.context, r.continuation]
    : r.kind === 'greedy' ? [r.kind, r.context, r.maxTokens, r.stopIds ?? []]
    : [r.kind, r.ids, scoredFrom(r)];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 20);
}

/** The first position a tokens request is scored from (position 0 has no prediction). */
export const scoredFrom = (r: Extract<Request, { kind: 'tokens' }>) => Math.max(1, r.from ?? 1);

export function storeAnswer(r: Request, a: Answer): StoredAnswer {
  if (a.kind === 'loglikelihood') return { kind: a.kind, logprob: finite(a.logprob), isGreedy: a.isGreedy };
  if (a.kind === 'greedy') return { kind: a.kind, tokens: [...a.tokens] };
  const from = scoredFrom(r as Extract<Request, { kind: 'tokens' }>);
  return { kind: 'tokens', from, logprobs: [...a.logprobs.subarray(from)].map(float32), top1: [...a.top1.subarray(from)] };
}

/**
 * The answer to `r` from what was stored for it, or undefined when the stored value does not
 * fit the request (another kind, wrong lengths, damaged): such an answer is recomputed, never used.
 */
export function readAnswer(r: Request, s: unknown): Answer | undefined {
  if (typeof s !== 'object' || s === null) return undefined;
  const v = s as Record<string, unknown>;
  if (v.kind !== r.kind) return undefined;
  if (r.kind === 'loglikelihood') {
    const logprob = number(v.logprob);
    return logprob !== undefined && typeof v.isGreedy === 'boolean' ? { kind: 'loglikelihood', logprob, isGreedy: v.isGreedy } : undefined;
  }
  if (r.kind === 'greedy') {
    // A continuation shorter than maxTokens stopped at a stop id; anything else was cut short.
    const ok = Array.isArray(v.tokens) && v.tokens.every(isId)
      && (v.tokens.length === r.maxTokens || (v.tokens.length < r.maxTokens && (r.stopIds ?? []).includes(v.tokens.at(-1) as number)));
    return ok ? { kind: 'greedy', tokens: v.tokens as number[] } : undefined;
  }
  const from = scoredFrom(r);
  const n = Math.max(0, r.ids.length - from);
  if (v.from !== from || !Array.isArray(v.logprobs) || !Array.isArray(v.top1) || v.logprobs.length !== n || v.top1.length !== n) return undefined;
  const logprobs = new Float32Array(r.ids.length).fill(NaN);
  const top1 = new Int32Array(r.ids.length).fill(-1);
  for (let i = 0; i < n; i++) {
    const lp = number(v.logprobs[i]);
    if (lp === undefined || !isId(v.top1[i])) return undefined;
    logprobs[from + i] = lp;
    top1[from + i] = v.top1[i] as number;
  }
  return { kind: 'tokens', ids: r.ids, logprobs, top1 };
}

const isId = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;

/** JSON has no NaN or infinities: those are stored as strings. */
const finite = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

function number(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  return x === 'NaN' || x === 'Infinity' || x === '-Infinity' ? Number(x) : undefined;
}

/** The shortest decimal that reads back to the same float32 (at most 9 significant digits). */
function float32(x: number): number | string {
  if (!Number.isFinite(x)) return String(x);
  for (let digits = 6; digits < 9; digits++) {
    const short = Number(x.toPrecision(digits));
    if (Math.fround(short) === x) return short;
  }
  return Number(x.toPrecision(9));
}
