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
export { openTokenizer } from './tokenize/open.js';

// Behaviours: the DSL, judging, running a suite, and what comes out.
export * from './spec/index.js';
export { loadBehaviours } from './spec/load.js';
export { judgeProbe, probeRequests, type Outcome } from './judge/index.js';
export { answerRequests } from './score/evaluator.js';
export type { Answer, Request } from './score/requests.js';
export { AnswerCache } from './run/answer-cache.js';
export { CheckpointKeys } from './run/checkpoint-key.js';
export { walkGrid, type OpenedCheckpoint, type WalkOptions } from './run/walk.js';
export { planProbes, judgeAll, type ProbePlan } from './run/probe-plan.js';
export { findProject, type Project } from './project.js';
export { GridResults } from './run/grid-results.js';
export { parseShard, shardItems, type Shard } from './run/shard.js';
export { withLock, withLockSync, type LockOptions } from './files/lock.js';
export { evaluateSuite, type CheckpointAnswers, type EvaluateOptions, type Progress, type SuiteResults } from './run/runner.js';
export { buildMatrix, type Cell, type PassRateMatrix } from './matrix/matrix.js';
export { wilson } from './matrix/wilson.js';
export { diffMatrices, diffMarkdown } from './matrix/diff.js';
export { convergence, convergenceMarkdown, cohensKappa, kappaText, type Convergence } from './matrix/converge.js';
export { fleissKappa, seedDifference, seedEstimate, type BootstrapOptions, type PassTable, type SeedDifference, type SeedEstimate } from './matrix/seeds.js';
export { emergence, halfRiseStep, MIN_RISE, type Emergence } from './matrix/emergence.js';
export { readMatrix, writeResultsSnapshot, writeSnapshot } from './matrix/snapshot.js';
export * from './analysis/index.js';
export * from './analysis/tokens/index.js';
export * from './analysis/scatter/index.js';
export * from './analysis/pca/index.js';
export * from './analysis/curves/index.js';
export * from './report/index.js';

// Suites and the hub.
export type { CheckpointRef, Run, Suite } from './suite/suite.js';
export { findSuite } from './suite/registry.js';
export { findRun } from './suite/find-run.js';
export { selectCheckpoints, selectGrid } from './suite/select.js';
export { localSuite } from './suite/local-suite.js';
export { hubSuite } from './suite/hub-suite.js';
export { crfmSuite, CRFM_STEPS, CRFM_TOKENS_PER_STEP } from './suite/crfm.js';
export { tableSuite, type TableRun, type TableSuiteSpec } from './suite/table-suite.js';
export { pythiaSuite, pythiaRuns, polypythiasRuns, PYTHIA_STEPS, PYTHIA_TOKENS_PER_STEP } from './suite/pythia.js';
export { lookahead } from './suite/lookahead.js';
export { downloadSnapshot } from './hub/snapshot.js';
export { hubSettings } from './hub/settings.js';
