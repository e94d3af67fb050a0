/** The library's public surface: everything the CLI uses, for scripts and notebooks too. */
export { LmbError } from './errors.js';
export { loadModel, type LoadOptions } from './model/load.js';
export type { ForwardResult, LanguageModel } from './model/language-model.js';
export { GraphModel, type GraphModelOptions } from './model/graph-model.js';
export { OnnxFileModel } from './model/onnx-file-model.js';
export { openCheckpoint, type Checkpoint } from './model/checkpoint.js';
export { ARCHITECTURES } from './model/architectures/index.js';
export type { Architecture } from './model/architectures/architecture.js';
export { openWeights } from './model/weights/open.js';
export type { TensorEntry, WeightFile } from './model/weights/tensor.js';
export { saveModel } from './model/onnx/save.js';
export { DEVICES, type Device } from './model/runtime/session.js';
export { Scorer, type ScorerOptions, type TokenScores } from './score/scorer.js';
export { checkTokenizerFits, loadTokenizer, type TextTokenizer } from './tokenize/tokenizer.js';
