import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LmbError } from '../errors.js';
import { allPositions, flattenIds, type ForwardOptions, type ForwardResult, type LanguageModel } from './language-model.js';
import { OnnxSession, type Feed, type SessionOptions, type ValueInfo } from './runtime/session.js';

/** Past key/value input names of the exporters we accept, Optimum's and onnxruntime-genai's. */
const PAST_INPUT = /^(past_key_values\.\d+\.(key|value)|past_\d+)$/;

/**
 * A causal LM someone else exported to ONNX (Optimum, transformers.js, onnxruntime-genai):
 * inputs `input_ids`, `attention_mask`, optionally `position_ids` and empty past key/values;
 * output `logits`. Log-probs are computed here, in float64, from the logits.
 */
export class OnnxFileModel implements LanguageModel {
  private constructor(
    private session: OnnxSession,
    readonly source: string,
    readonly vocabSize: number,
    readonly contextLength: number,
    readonly tokenizerDir: string,
  ) {}

  get device(): string {
    return this.session.device;
  }

  static async load(path: string, opts: SessionOptions = {}): Promise<OnnxFileModel> {
    if (!existsSync(path)) throw new LmbError('FILE_MISSING', `${path} does not exist`, 'Check the --model path');
    const session = await OnnxSession.create(path, opts);
    const names = session.inputs.map((i) => i.name);
    if (!names.includes('input_ids') || !session.outputs.some((o) => o.name === 'logits')) {
      await session.dispose();
      throw new LmbError('ONNX_UNSUPPORTED', `${path} has inputs [${names}] and outputs [${session.outputs.map((o) => o.name)}]; expected input_ids and logits`,
        'Export the model as a causal LM (Optimum: --task text-generation-with-past)');
    }
    const unknown = session.inputs.filter((i) => !['input_ids', 'attention_mask', 'position_ids'].includes(i.name) && !PAST_INPUT.test(i.name));
    if (unknown.length) {
      await session.dispose();
      throw new LmbError('ONNX_UNSUPPORTED', `${path} has inputs lm-behaviours cannot fill: ${unknown.map((i) => i.name).join(', ')}`,
        'Re-export the model with only input_ids, attention_mask, position_ids and past key/values');
    }
    const dir = dirname(path);
    const meta = sideConfig(dir);
    const logitsWidth = session.outputs.find((o) => o.name === 'logits')?.shape[2];
    const vocabSize = meta.vocabSize ?? (typeof logitsWidth === 'number' ? logitsWidth : undefined);
    if (meta.vocabSize !== undefined && typeof logitsWidth === 'number' && meta.vocabSize !== logitsWidth) {
      await session.dispose();
      throw new LmbError('CONFIG_MISMATCH', `${meta.file}: vocab_size ${meta.vocabSize} but ${path}'s logits are ${logitsWidth} wide`, 'Use the config.json exported with this model');
    }
    if (vocabSize === undefined) {
      await session.dispose();
      throw new LmbError('CONFIG_MISSING', `${path}: cannot tell the vocabulary size (symbolic logits width, no config.json beside it)`,
        'Put the model\'s config.json next to the .onnx file');
    }
    // Without a config the context length is unknown: sequences are not windowed.
    return new OnnxFileModel(session, path, vocabSize, meta.contextLength ?? Number.MAX_SAFE_INTEGER, dir);
  }

  async forward(ids: number[][], targets: number[][], opts: ForwardOptions = {}): Promise<ForwardResult> {
    if (opts.attentions) {
      throw new LmbError('ATTENTIONS_NOT_BUILT', `${this.source} is a ready-made ONNX model whose attention patterns are not outputs`,
        'Load the checkpoint directory instead, so lm-behaviours builds the graph');
    }
    const B = ids.length;
    const T = ids[0].length;
    const feeds: Record<string, Feed> = {};
    for (const input of this.session.inputs) feeds[input.name] = this.feed(input, ids, B, T);
    const logits = (await this.session.run(feeds, ['logits'])).logits;
    const V = logits.dims[2];
    const data = logits.data as Float32Array;
    const positions = opts.positions ?? allPositions(B, T);
    const K = positions[0].length;
    const logprobs = new Float32Array(B * K);
    const top1 = new Int32Array(B * K);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        const off = (b * T + positions[b][k]) * V;
        let best = 0;
        for (let v = 1; v < V; v++) if (data[off + v] > data[off + best]) best = v;
        let sum = 0;
        for (let v = 0; v < V; v++) sum += Math.exp(data[off + v] - data[off + best]);
        logprobs[b * K + k] = data[off + targets[b][k]] - data[off + best] - Math.log(sum);
        top1[b * K + k] = best;
      }
    }
    return { logprobs, top1 };
  }

  private feed(input: ValueInfo, ids: number[][], B: number, T: number): Feed {
    const int = (values: BigInt64Array): Feed =>
      input.type === 'int32'
        ? { type: 'int32', data: Int32Array.from(values, Number), dims: [B, T] }
        : { type: 'int64', data: values, dims: [B, T] };
    if (input.name === 'input_ids') return int(flattenIds(ids));
    if (input.name === 'attention_mask') return int(new BigInt64Array(B * T).fill(1n));
    if (input.name === 'position_ids') return int(flattenIds(ids.map((row) => row.map((_, t) => t))));
    // An empty past: batch and past-length dims are B and 0; the rest come from the model's shape.
    const dims = input.shape.map((d, i) => (typeof d === 'number' ? d : i === input.shape.length - 2 ? 0 : B));
    if (input.shape.some((d, i) => typeof d === 'string' && i !== input.shape.length - 2 && !/batch/i.test(d))) {
      throw new LmbError('ONNX_UNSUPPORTED', `${this.source}: input ${input.name} has symbolic dims [${input.shape}]`,
        'Export with fixed head counts and sizes');
    }
    return { type: 'float32', data: new Float32Array(0), dims };
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}

/** Vocabulary size and context length from a config.json or genai_config.json beside the model. */
function sideConfig(dir: string): { vocabSize?: number; contextLength?: number; file?: string } {
  for (const name of ['config.json', 'genai_config.json']) {
    const p = join(dir, name);
    if (!existsSync(p)) continue;
    let j: unknown;
    try {
      j = JSON.parse(readFileSync(p, 'utf8'));
    } catch {
      throw new LmbError('CONFIG_INVALID', `${p} is not valid JSON`, `Fix or remove ${name}`);
    }
    const root = typeof j === 'object' && j !== null ? (j as Record<string, unknown>) : {};
    const m = (typeof root.model === 'object' && root.model !== null ? root.model : root) as Record<string, unknown>;
    const contextField = ['context_length', 'n_positions', 'max_position_embeddings'].find((f) => m[f] !== undefined);
    return {
      vocabSize: count(m.vocab_size, 'vocab_size', p),
      contextLength: contextField === undefined ? undefined : count(m[contextField], contextField, p),
      file: p,
    };
  }
  return {};
}

/** A config field that counts something (tokens, positions): a positive integer, or absent. */
function count(value: unknown, field: string, file: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= 1 << 24) return value;
  throw new LmbError('CONFIG_INVALID', `${file}: field "${field}" is ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}, not a positive integer up to 2^24`,
    'Fix config.json, or remove it to take the vocabulary size from the model\'s logits');
}
