import type { z } from 'zod';
import type { BuiltModel } from '../onnx/graph.js';
import type { WeightFile } from '../weights/tensor.js';

export interface GraphOptions {
  /** Also output every layer's attention probabilities as `attention_<layer>` [B, H, T, T]. */
  attentions: boolean;
}

/** Everything the runtime needs to know about one model family; one file per architecture. */
export interface Architecture<C> {
  readonly name: string;
  readonly configSchema: z.ZodType<C>;
  contextLength(config: C): number;
  vocabSize(config: C): number;
  layers(config: C): number;
  heads(config: C): number;
  /** Throws CONFIG_MISMATCH when a tensor is missing or its shape disagrees with the config. */
  checkWeights(config: C, weights: WeightFile): void;
  buildGraph(config: C, weights: WeightFile, options: GraphOptions): BuiltModel;
}
