import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LmbError, thrownLine } from '../errors.js';
import { ARCHITECTURES } from './architectures/index.js';
import type { Architecture } from './architectures/architecture.js';
import { isLlama2cFile, readLlama2cHeader } from './weights/llama2c-bin.js';
import { detectWeightFormat } from './weights/open.js';

/** Weight file names in the order they are preferred when a directory has several; an index names its shards. */
export const WEIGHT_FILES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'] as const;

/** WEIGHT_FILES in words, for messages. */
export const WEIGHT_FILES_NAMED = 'model.safetensors or pytorch_model.bin (or a shard index of either)';

/**
 * A Hugging Face-style checkpoint directory (config.json plus one weight file or a shard index), or a llama2.c
 * `.bin`, whose header is its config.
 */
export interface Checkpoint {
  dir: string;
  weightsPath: string;
  architecture: Architecture<any>;
  config: any;
}

/**
 * Reads a checkpoint directory's config, or a llama2.c export's header (given the `.bin`, or a
 * directory without config.json holding one). `overrides` replace config fields before
 * validation: a suite uses them to force flags that a revision's config lost.
 */
export function openCheckpoint(dir: string, overrides: Record<string, unknown> = {}): Checkpoint {
  if (!existsSync(dir)) throw new LmbError('FILE_MISSING', `${dir} does not exist`, 'Pass a checkpoint directory, a weight file or an .onnx file');
  if (!statSync(dir).isDirectory()) {
    if ((WEIGHT_FILES as readonly string[]).includes(basename(dir))) return openCheckpoint(dirname(dir), overrides);
    if (detectWeightFormat(dir) === 'llama2c') return openLlama2c(dir, overrides);
    throw new LmbError('MODEL_FORMAT_UNKNOWN', `${dir} is neither a checkpoint directory, a weight file (${WEIGHT_FILES_NAMED}), a llama2.c .bin, nor .onnx`,
      'Pass the directory that holds config.json');
  }
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) {
    const exports = readdirSync(dir).filter((f) => f.endsWith('.bin') && statSync(join(dir, f)).isFile() && isLlama2cFile(join(dir, f)));
    if (exports.length === 1) return openLlama2c(join(dir, exports[0]), overrides);
    if (exports.length > 1) {
      throw new LmbError('MODEL_AMBIGUOUS', `${dir} has no config.json and several llama2.c exports (${exports.join(', ')})`,
        'Pass the .bin file to use');
    }
    throw new LmbError('FILE_MISSING', `${dir} has no config.json`, 'Download the config.json of this checkpoint next to its weights');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (e) {
    throw new LmbError('CONFIG_INVALID', `${configPath} is not valid JSON (${thrownLine(e, 120)})`, 'Re-download config.json');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const what = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`;
    throw new LmbError('CONFIG_INVALID', `${configPath} holds ${what}, not a JSON object`, 'Re-download config.json');
  }
  const modelType = (raw as Record<string, unknown>).model_type;
  // hasOwn: a model_type such as "constructor" must not find Object.prototype's members.
  const architecture = typeof modelType === 'string' && Object.hasOwn(ARCHITECTURES, modelType) ? ARCHITECTURES[modelType] : undefined;
  if (!architecture) {
    throw new LmbError('ARCHITECTURE_UNKNOWN', `${configPath} has ${modelType === undefined ? 'no model_type' : `model_type ${JSON.stringify(modelType).slice(0, 80)}`}, which lm-behaviours cannot build`,
      `Supported: ${Object.keys(ARCHITECTURES).join(', ')}; or export the model to ONNX and pass the .onnx file`);
  }
  const config = validConfig(architecture, { ...raw, ...overrides }, configPath, 'Fix config.json or pass the matching override');
  const weightsName = WEIGHT_FILES.find((f) => existsSync(join(dir, f)));
  if (!weightsName) throw new LmbError('FILE_MISSING', `${dir} has no ${WEIGHT_FILES_NAMED}`, 'Download the weights of this checkpoint');
  return { dir, weightsPath: join(dir, weightsName), architecture, config };
}

/** A llama2.c export: the config is its header (the file's size checked against it) plus `overrides`. */
function openLlama2c(path: string, overrides: Record<string, unknown>): Checkpoint {
  const architecture = ARCHITECTURES.llama2c;
  const raw = { model_type: 'llama2c', ...readLlama2cHeader(path), ...overrides };
  const config = validConfig(architecture, raw, `${path} (llama2.c header)`, 'Re-export the checkpoint, or pass the matching config override');
  return { dir: dirname(path), weightsPath: path, architecture, config };
}

function validConfig(architecture: Architecture<any>, raw: Record<string, unknown>, where: string, fix: string): any {
  const parsed = architecture.configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LmbError('CONFIG_INVALID', `${where}: field "${issue.path.join('.')}" ${issue.message.toLowerCase()}`, fix);
  }
  return parsed.data;
}
