/**
 * What a judge can ask of a model, independent of specs and of the model that answers:
 * - loglikelihood: log p(continuation | context), and whether greedy decoding would produce it;
 * - greedy: the argmax continuation of `maxTokens` tokens (stopping early at a stop id);
 * - tokens: per-token log-probs and top-1 predictions of a sequence (from position `from` on).
 */
export type Request =
  | { readonly kind: 'loglikelihood'; readonly context: readonly number[]; readonly continuation: readonly number[] }
  | { readonly kind: 'greedy'; readonly context: readonly number[]; readonly maxTokens: number; readonly stopIds?: readonly number[] }
  | { readonly kind: 'tokens'; readonly ids: readonly number[]; readonly from?: number };

export type Answer =
  | { readonly kind: 'loglikelihood'; readonly logprob: number; readonly isGreedy: boolean }
  | { readonly kind: 'greedy'; readonly tokens: readonly number[] }
  | { readonly kind: 'tokens'; readonly ids: readonly number[]; readonly logprobs: Float32Array; readonly top1: Int32Array };

export type AnswerOf<R extends Request> = Extract<Answer, { kind: R['kind'] }>;
