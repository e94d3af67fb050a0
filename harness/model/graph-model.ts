import { LmbError } from '../errors.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { allPositions, flattenIds, type ForwardOptions, type ForwardResult, type LanguageModel } from './language-model.js';
import { OnnxSession, type SessionOptions } from './runtime/session.js';
import { openWeights } from './weights/open.js';

export interface GraphModelOptions extends SessionOptions {
  /** Build the graph that can also return attention probabilities (slower: no fused attention). */
  attentions?: boolean;
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
  ) {}

  get tokenizerDir(): string {
    return this.source;
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
      session = await OnnxSession.create(arch.buildGraph(config, weights, { attentions: opts.attentions ?? false }), opts);
    } finally {
      weights.close();
    }
    return new GraphModel(session, ckpt.dir, arch.vocabSize(config), arch.contextLength(config),
      arch.layers(config), arch.heads(config), opts.attentions ?? false);
  }

  async forward(ids: number[][], targets: number[][], opts: ForwardOptions = {}): Promise<ForwardResult> {
    if (opts.attentions && !this.withAttentions) {
      throw new LmbError('ATTENTIONS_NOT_BUILT', `${this.source} was loaded without attention outputs`, 'Load it with { attentions: true }');
    }
    const B = ids.length;
    const T = ids[0].length;
    if (T > this.contextLength) {
      throw new LmbError('SEQUENCE_TOO_LONG', `a sequence of ${T} tokens exceeds ${this.source}'s context of ${this.contextLength}`,
        'Score through the Scorer, which splits long texts into windows');
    }
    const fetch = ['logprobs', 'top1'];
    if (opts.attentions) for (let l = 0; l < this.layers; l++) fetch.push(`attention_${l}`);
    const positions = opts.positions ?? allPositions(B, T);
    const K = positions[0].length;
    const out = await this.session.run({
      input_ids: { type: 'int64', data: flattenIds(ids), dims: [B, T] },
      score_positions: { type: 'int64', data: flattenIds(positions), dims: [B, K] },
      target_ids: { type: 'int64', data: flattenIds(targets), dims: [B, K] },
    }, fetch);
    return {
      logprobs: out.logprobs.data as Float32Array,
      top1: Int32Array.from(out.top1.data as BigInt64Array, Number),
      attentions: opts.attentions ? fetch.slice(2).map((n) => out[n].data as Float32Array) : undefined,
    };
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
