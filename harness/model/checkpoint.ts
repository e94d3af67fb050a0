import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LmbError } from '../errors.js';
import { ARCHITECTURES } from './architectures/index.js';
import type { Architecture } from './architectures/architecture.js';

/** Weight file names in the order they are preferred when a directory has several. */
const WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'];

/** A Hugging Face-style checkpoint directory: config.json plus one weight file. */
export interface Checkpoint {
  dir: string;
  weightsPath: string;
  architecture: Architecture<any>;
  config: any;
}

/**
 * Reads a checkpoint directory's config. `overrides` replace config.json fields before
 * validation: a suite uses them to force flags that a revision's config lost.
 */
export function openCheckpoint(dir: string, overrides: Record<string, unknown> = {}): Checkpoint {
  if (!existsSync(dir)) throw new LmbError('FILE_MISSING', `${dir} does not exist`, 'Pass a checkpoint directory, a weight file or an .onnx file');
  if (!statSync(dir).isDirectory()) {
    if (!WEIGHT_FILES.includes(basename(dir))) {
      throw new LmbError('UNKNOWN_MODEL_FORMAT', `${dir} is neither a checkpoint directory, ${WEIGHT_FILES.join(' nor ')}, nor .onnx`,
        'Pass the directory that holds config.json');
    }
    return openCheckpoint(dirname(dir), overrides);
  }
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) throw new LmbError('FILE_MISSING', `${dir} has no config.json`, 'Download the config.json of this checkpoint next to its weights');
  let raw: any;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (e) {
    throw new LmbError('CONFIG_INVALID', `${configPath} is not valid JSON (${(e as Error).message})`, 'Re-download config.json');
  }
  const modelType = raw?.model_type;
  const architecture = ARCHITECTURES[modelType];
  if (!architecture) {
    throw new LmbError('UNKNOWN_ARCHITECTURE', `${configPath} has model_type "${modelType}", which lm-behaviours cannot build`,
      `Supported: ${Object.keys(ARCHITECTURES).join(', ')}; or export the model to ONNX and pass the .onnx file`);
  }
  const parsed = architecture.configSchema.safeParse({ ...raw, ...overrides });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LmbError('CONFIG_INVALID', `${configPath}: field "${issue.path.join('.')}" ${issue.message.toLowerCase()}`,
      'Fix config.json or pass the matching override');
  }
  const weightsName = WEIGHT_FILES.find((f) => existsSync(join(dir, f)));
  if (!weightsName) throw new LmbError('FILE_MISSING', `${dir} has no ${WEIGHT_FILES.join(' or ')}`, 'Download the weights of this checkpoint');
  return { dir, weightsPath: join(dir, weightsName), architecture, config: parsed.data };
}
