import { LmbError } from '../errors.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { appendTokens, cacheBytes, emptyCache, realLength, type KvCache } from './kv-cache.js';
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

/**
 * The distinct (position, target) pairs of a batch as the graph takes them: flat indices
 * b * T + t and targets, and for each of the B * K asked the pair answering it. Rows padded
 * by repeating their last pair (as callers pad ragged lists) run the head once for it.
 */
interface ScoredAt {
  index: BigInt64Array;
  targets: BigInt64Array;
  slot: Int32Array;
}

function scoredAt(positions: readonly (readonly number[])[], targets: readonly (readonly number[])[], T: number): ScoredAt {
  const K = positions[0]?.length ?? 0;
  const slot = new Int32Array(positions.length * K);
  const index: bigint[] = [];
  const ids: bigint[] = [];
  positions.forEach((row, b) => row.forEach((t, k) => {
    if (!(t >= 0 && t < T)) throw new Error(`position ${t} to score is outside row ${b} of ${T} tokens`);
    const repeat = k > 0 && t === row[k - 1] && targets[b][k] === targets[b][k - 1];
    if (!repeat) {
      index.push(BigInt(b * T + t));
      ids.push(BigInt(targets[b][k]));
    }
    slot[b * K + k] = index.length - 1;
  }));
  return { index: BigInt64Array.from(index), targets: BigInt64Array.from(ids), slot };
}

/** Attention probabilities [..., T, 1 + T] without their first key: [..., T, T]. */
function withoutFirstKey(probs: Float32Array, T: number): Float32Array {
  const out = new Float32Array((probs.length / (T + 1)) * T);
  for (let r = 0; r < probs.length / (T + 1); r++) out.set(probs.subarray(r * (T + 1) + 1, (r + 1) * (T + 1)), r * T);
  return out;
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
    return this.cacheShape && cacheBytes(this.layers, this.cacheShape.kvHeads, this.cacheShape.headDim, 1);
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
      const graph = { attentions: opts.attentions ?? false, cache: opts.cache ?? false };
      session = await OnnxSession.create((kernels) => arch.buildGraph(config, weights, { ...graph, kernels }), opts);
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
    const { fetched: _, ...result } = await this.run({ input_ids: { type: 'int64', data: flattenIds(ids), dims: [B, T] } },
      scoredAt(positions, targets, T), opts.attentions ?? false, []);
    return result;
  }

  async forwardCached?(step: CachedStep, attentions = false): Promise<CachedForwardResult> {
    this.checkAttentions(attentions);
    const { kvHeads, headDim } = this.cacheShape!;
    const B = step.ids.length;
    const T = step.ids[0].length;
    const past: KvCache = step.past ?? emptyCache(this.layers, B, kvHeads, headDim);
    if (past.rows !== B) throw new Error(`forwardCached: a past of ${past.rows} rows for ${B} rows of tokens`);
    // The graph reads every slot of the past, free ones masked; an empty past is fed as one
    // free slot, since a GPU provider may not take tensors of size 0 (WebGPU crashed on them).
    const fed = past.capacity > 0 ? past : emptyCache(this.layers, B, kvHeads, headDim, 1);
    const P = fed.capacity;
    const mask = new Uint8Array(B * (P + T));
    const positionIds: number[][] = [];
    for (let b = 0; b < B; b++) {
      const before = realLength(past, b);
      if (before + step.lengths[b] > this.contextLength) this.tooLong(before + step.lengths[b]);
      mask.set(past.mask.subarray(b * past.capacity, b * past.capacity + past.length), b * (P + T));
      mask.fill(1, b * (P + T) + P, b * (P + T) + P + step.lengths[b]);
      // Padding takes any position the embedding has; its outputs are masked or not read.
      positionIds.push(Array.from({ length: T }, (_, t) => Math.min(before + t, this.contextLength - 1)));
    }
    const feeds: Record<string, Feed> = {
      input_ids: { type: 'int64', data: flattenIds(step.ids), dims: [B, T] },
      position_ids: { type: 'int64', data: flattenIds(positionIds), dims: [B, T] },
      attention_mask: { type: 'int32', data: Int32Array.from(mask), dims: [B, P + T] },
    };
    for (let l = 0; l < this.layers; l++) {
      feeds[`past_key_${l}`] = { type: 'float32', data: fed.keys[l], dims: [B, kvHeads, P, headDim] };
      feeds[`past_value_${l}`] = { type: 'float32', data: fed.values[l], dims: [B, kvHeads, P, headDim] };
    }
    const layerNames = (kind: string) => Array.from({ length: this.layers }, (_, l) => `new_${kind}_${l}`);
    const { fetched, ...result } = await this.run(feeds, scoredAt(step.positions, step.targets, T), attentions, [...layerNames('key'), ...layerNames('value')]);
    const added = {
      tokens: T,
      lengths: step.lengths,
      keys: layerNames('key').map((n) => fetched[n].data as Float32Array),
      values: layerNames('value').map((n) => fetched[n].data as Float32Array),
    };
    if (fed !== past && result.attentions) result.attentions = result.attentions.map((a) => withoutFirstKey(a, T));
    return { ...result, present: (reserve = 0) => appendTokens(past, added, reserve) };
  }

  private async run(feeds: Record<string, Feed>, scored: ScoredAt, attentions: boolean, extra: string[]): Promise<ForwardResult & { fetched: Record<string, Fetched> }> {
    const fetch = ['logprobs', 'top1', ...extra];
    const attentionNames = attentions ? Array.from({ length: this.layers }, (_, l) => `attention_${l}`) : [];
    const n = scored.targets.length;
    feeds.score_index = { type: 'int64', data: scored.index, dims: [n] };
    feeds.target_ids = { type: 'int64', data: scored.targets, dims: [n] };
    const fetched = await this.session.run(feeds, [...fetch, ...attentionNames]);
    const unique = fetched.logprobs.data as Float32Array;
    if (unique.some(Number.isNaN)) this.notFinite();
    const best = fetched.top1.data as BigInt64Array;
    const result = {
      logprobs: Float32Array.from(scored.slot, (i) => unique[i]),
      top1: Int32Array.from(scored.slot, (i) => Number(best[i])),
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
