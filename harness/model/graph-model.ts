import { LmbError } from '../errors.js';
import { openCheckpoint, type Checkpoint } from './checkpoint.js';
import { allPositions, flattenIds, type ForwardOptions, type ForwardResult, type LanguageModel } from './language-model.js';
import { OnnxSession, type SessionOptions } from './runtime/session.js';
import { openWeights } from './weights/open.js';
import { readTensor } from './weights/tensor.js';

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
    private weightsPath: string,
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
      arch.layers(config), arch.heads(config), opts.attentions ?? false, ckpt.weightsPath);
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
    const logprobs = out.logprobs.data as Float32Array;
    if (logprobs.some(Number.isNaN)) this.notFinite();
    return {
      logprobs,
      top1: Int32Array.from(out.top1.data as BigInt64Array, Number),
      attentions: opts.attentions ? fetch.slice(2).map((n) => out[n].data as Float32Array) : undefined,
    };
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
