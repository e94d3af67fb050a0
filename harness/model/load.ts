import { GraphModel, type GraphModelOptions } from './graph-model.js';
import type { LanguageModel } from './language-model.js';
import { OnnxFileModel } from './onnx-file-model.js';

export type LoadOptions = GraphModelOptions;

/** Opens a model from a checkpoint directory, a weight file inside one, a llama2.c `.bin`, or an `.onnx` file. */
export function loadModel(path: string, opts: LoadOptions = {}): Promise<LanguageModel> {
  return path.endsWith('.onnx') ? OnnxFileModel.load(path, opts) : GraphModel.load(path, opts);
}
