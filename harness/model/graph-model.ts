import { LmbError } from '../errors.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { emptyCache, realLength, type KvCache } from './kv-cache.js';
import {
  allPositions, flattenIds, type CachedForwardResult, type CachedStep, type ForwardOptions, type ForwardResult, type LanguageModel,
} from './language-model.js';
import { OnnxSession, type Feed, type Fetched, type SessionOptions } from './runtime/session.js';
import { openWeights } from './weights/open.js';
import { readTensor } from './weights/tensor.js';

export interface GraphModelOptions extends SessionOptions {
  /** Build the graph that can also return attention probabilities (slower: no fused attention). */
  attentions?: boolean;
  /**
   * Build the graph with a key/value cache, which `forwardCached` needs (default false: the
   * cache's outputs cost memory on long sequences that only `forward` scores).
   */
  cache?: boolean;
  /** Replace config.json fields before building (e.g. force the CRFM attention flags). */
  configOverrides?: Record<string, unknown>;
}

/** A checkpoint directory turned into an ONNX graph built here, from its config and weights. */
export class GraphModel implements LanguageModel {
  private constructor(
    private session: OnnxSession,
    readonly source: string,
    readonly vocabSize: number,
    readonly contextLength: number,
    readonly layers: number,
    readonly heads: number,
    private withAttentions: boolean,
    private weightsPath: string,
    private cacheShape: { kvHeads: number; headDim: number } | undefined,
  ) {
    if (!cacheShape) this.forwardCached = undefined;
  }

  get tokenizerDir(): string {
    return this.source;
  }

  get cacheTokenBytes(): number | undefined {
    return this.cacheShape && this.layers * 2 * this.cacheShape.kvHeads * this.cacheShape.headDim * 4;
  }

  get device(): string {
    return this.session.device;
  }

  static async load(path: string, opts: GraphModelOptions = {}): Promise<GraphModel> {
    return GraphModel.fromCheckpoint(openCheckpoint(path, opts.configOverrides), opts);
  }

  /** Builds the model of a checkpoint already opened (its config validated, overrides applied). */
  static async fromCheckpoint(ckpt: Checkpoint, opts: Omit<GraphModelOptions, 'configOverrides'> = {}): Promise<GraphModel> {
    const { architecture: arch, config } = ckpt;
    const weights = openWeights(ckpt.weightsPath);
    let session: OnnxSession;
    try {
      arch.checkWeights(config, weights);
      // Tensors are read from the checkpoint while the session's weights file is written.
      session = await OnnxSession.create(arch.buildGraph(config, weights, { attentions: opts.attentions ?? false, cache: opts.cache ?? false }), opts);
    } finally {
      weights.close();
    }
    return new GraphModel(session, ckpt.dir, arch.vocabSize(config), arch.contextLength(config),
      arch.layers(config), arch.heads(config), opts.attentions ?? false, ckpt.weightsPath, opts.cache ? arch.cacheShape(config) : undefined);
  }

  async forward(ids: number[][], targets: number[][], opts: ForwardOptions = {}): Promise<ForwardResult> {
    this.checkAttentions(opts.attentions);
    const B = ids.length;
    const T = ids[0].length;
    if (T > this.contextLength) this.tooLong(T);
    const positions = opts.positions ?? allPositions(B, T);
    if (this.forwardCached) {
      const { present: _, ...result } = await this.forwardCached({ ids, lengths: ids.map(() => T), positions, targets }, opts.attentions);
      return result;
    }
    const { fetched: _, ...result } = await this.run({
      input_ids: { type: 'int64', data: flattenIds(ids), dims: [B, T] },
      score_positions: { type: 'int64', data: flattenIds(positions), dims: [B, positions[0].length] },
      target_ids: { type: 'int64', data: flattenIds(targets), dims: [B, positions[0].length] },
    }, opts.attentions ?? false, []);
    return result;
  }

  async forwardCached?(step: CachedStep, attentions = false): Promise<CachedForwardResult> {
    this.checkAttentions(attentions);
    const { kvHeads, headDim } = this.cacheShape!;
    const B = step.ids.length;
    const T = step.ids[0].length;
    const past: KvCache = step.past ?? emptyCache(this.layers, B, kvHeads, headDim);
    if (past.rows !== B) throw new Error(`forwardCached: a past of ${past.rows} rows for ${B} rows of tokens`);
    const P = past.length;
    const mask = new Uint8Array(B * (P + T));
    const positionIds: number[][] = [];
    for (let b = 0; b < B; b++) {
      const before = realLength(past, b);
      if (before + step.lengths[b] > this.contextLength) this.tooLong(before + step.lengths[b]);
      mask.set(past.mask.subarray(b * P, (b + 1) * P), b * (P + T));
      mask.fill(1, b * (P + T) + P, b * (P + T) + P + step.lengths[b]);
      // Padding takes any position the embedding has; its outputs are masked or not read.
      positionIds.push(Array.from({ length: T }, (_, t) => Math.min(before + t, this.contextLength - 1)));
    }
    const feeds: Record<string, Feed> = {
      input_ids: { type: 'int64', data: flattenIds(step.ids), dims: [B, T] },
      position_ids: { type: 'int64', data: flattenIds(positionIds), dims: [B, T] },
      attention_mask: { type: 'int32', data: Int32Array.from(mask), dims: [B, P + T] },
      score_positions: { type: 'int64', data: flattenIds(step.positions), dims: [B, step.positions[0].length] },
      target_ids: { type: 'int64', data: flattenIds(step.targets), dims: [B, step.positions[0].length] },
    };
    past.layers.forEach((data, l) => (feeds[`past_${l}`] = { type: 'float32', data, dims: [2, B, kvHeads, P, headDim] }));
    const presentNames = past.layers.map((_, l) => `present_${l}`);
    const { fetched, ...result } = await this.run(feeds, attentions, presentNames);
    const present: KvCache = {
      rows: B, length: P + T, kvHeads, headDim, mask,
      layers: presentNames.map((n) => fetched[n].data as Float32Array),
    };
    return { ...result, present };
  }

  private async run(feeds: Record<string, Feed>, attentions: boolean, extra: string[]): Promise<ForwardResult & { fetched: Record<string, Fetched> }> {
    const fetch = ['logprobs', 'top1', ...extra];
    const attentionNames = attentions ? Array.from({ length: this.layers }, (_, l) => `attention_${l}`) : [];
    const fetched = await this.session.run(feeds, [...fetch, ...attentionNames]);
    const logprobs = fetched.logprobs.data as Float32Array;
    if (logprobs.some(Number.isNaN)) this.notFinite();
    const result = {
      logprobs,
      top1: Int32Array.from(fetched.top1.data as BigInt64Array, Number),
      attentions: attentions ? attentionNames.map((n) => fetched[n].data as Float32Array) : undefined,
    };
    return { ...result, fetched };
  }

  private checkAttentions(asked: boolean | undefined): void {
    if (asked && !this.withAttentions) {
      throw new LmbError('ATTENTIONS_NOT_BUILT', `${this.source} was loaded without attention outputs`, 'Load it with { attentions: true }');
    }
  }

  private tooLong(T: number): never {
    throw new LmbError('SEQUENCE_TOO_LONG', `a sequence of ${T} tokens exceeds ${this.source}'s context of ${this.contextLength}`,
      'Score through the Scorer, which splits long texts into windows');
  }

  /**
   * A NaN log-prob means a weight is NaN or infinite (or the numbers overflowed): the weights are
   * scanned only then, so a sound checkpoint pays nothing, and the culprit is named.
   */
  private notFinite(): never {
    const weights = openWeights(this.weightsPath);
    try {
      for (const t of weights.tensors.values()) {
        if (t.dtype === 'BOOL' || t.dtype.startsWith('I') || t.dtype === 'U8') continue;
        const values = readTensor(t);
        const at = values.findIndex((v) => !Number.isFinite(v));
        if (at >= 0) {
          throw new LmbError('WEIGHTS_NOT_FINITE', `${this.weightsPath}: tensor "${t.name}" holds ${values[at]} at element ${at}, so every score is NaN`,
            'The checkpoint is damaged or its training diverged; use another checkpoint of the run');
        }
      }
    } finally {
      weights.close();
    }
    throw new LmbError('SCORES_NOT_FINITE', `${this.source} gave NaN log-probs although every weight is finite`,
      'Report it with the checkpoint; try --device cpu to rule out the GPU provider');
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
