/**
 * What the scoring layer needs from a model: one forward pass over a right-padded batch.
 * Requests, batching and windows live in score/; this interface knows nothing of them.
 */
export interface ForwardResult {
  /** [B * T]: log p(targets[b][t] | ids[b][<=t]). */
  logprobs: Float32Array;
  /** [B * T]: argmax p(. | ids[b][<=t]). */
  top1: Int32Array;
  /** Per layer, [B, H, T, T] attention probabilities, when asked for. */
  attentions?: Float32Array[];
}

export interface LanguageModel {
  /** Where the model came from (a path), for messages. */
  readonly source: string;
  readonly vocabSize: number;
  /** The longest sequence one forward pass accepts. */
  readonly contextLength: number;
  /** Layers and heads, where the format says (needed for attention patterns). */
  readonly layers?: number;
  readonly heads?: number;
  /** Where the tokenizer files are, if any sit beside the model. */
  readonly tokenizerDir?: string;
  /** The device the session runs on. */
  readonly device: string;
  /** `ids` and `targets` are B rows of equal length T (pad with any valid id). */
  forward(ids: number[][], targets: number[][], opts?: { attentions?: boolean }): Promise<ForwardResult>;
  dispose(): Promise<void>;
}

export function flattenIds(rows: number[][]): BigInt64Array {
  const T = rows[0]?.length ?? 0;
  const out = new BigInt64Array(rows.length * T);
  rows.forEach((r, b) => r.forEach((id, t) => (out[b * T + t] = BigInt(id))));
  return out;
}
