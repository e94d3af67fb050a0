/**
 * Every error code lmb reports, with when it happens: the one table (README's "Error codes" is
 * tested against it). Codes name the thing first, then what is wrong with it: `DEVICE_UNKNOWN`,
 * `SPEC_INVALID`, `HUB_REPO_MISSING`.
 */
export const ERROR_CODES = {
  ARCHITECTURE_UNKNOWN: "a config.json's model_type is not one lmb can build",
  ATTENTIONS_NOT_BUILT: 'attention patterns were asked of a model loaded without them',
  ATTENTIONS_UNAVAILABLE: 'a model (an .onnx file) cannot return attention patterns',
  ATTENTION_SHAPE_MISMATCH: 'attention patterns of the wrong size reached an analysis',
  BEHAVIOUR_UNKNOWN: '--behaviours names a behaviour no spec file defines',
  CHECKPOINTS_TOO_FEW: 'an analysis needs more checkpoints than were selected',
  CHECKPOINT_CORRUPT: 'a weight file is truncated or damaged',
  CHECKPOINT_FORMAT_UNKNOWN: 'a weight file is in no format lmb reads',
  CHECKPOINT_INVALID: 'a checkpoint folder or file is not a checkpoint',
  CHECKPOINT_NOT_STORED: 'a token store has no scores for a checkpoint an analysis asked for',
  CHECKPOINT_OVER_BUDGET: "a checkpoint's pickle asks for far more work or memory than any state dict needs (huge integers, stack or memo floods)",
  CHECKPOINT_PICKLE_UNSAFE: 'a pytorch_model.bin names a Python global outside the allow-list',
  CHECKPOINT_UNSUPPORTED: 'a weight file uses a feature lmb does not read (dtype, layout)',
  COMPONENTS_TOO_MANY: 'PCA was asked for more components than the data has',
  CONFIG_INVALID: 'config.json is not valid JSON or a field is wrong',
  CONFIG_MISMATCH: "the weights' shapes disagree with config.json",
  CONFIG_MISSING: 'an .onnx model has no config.json beside it',
  CONTEXT_EMPTY: 'a request or sequence has no token to condition on',
  CONTEXT_TOO_SHORT: "a model's context is too short for an analysis",
  CORPUS_EMPTY: 'a corpus file holds no document',
  CORPUS_FORMAT_UNKNOWN: 'a corpus file is neither .txt nor .jsonl',
  CORPUS_INVALID: 'a .jsonl corpus line is not JSON with a text field',
  CORPUS_MISSING: 'a corpus file does not exist',
  CORPUS_NOT_UTF8: 'a corpus file is not valid UTF-8',
  CORPUS_NOT_STORED: 'a token store does not hold the corpus an analysis asked for',
  DEVICE_UNAVAILABLE: '--device names a device this machine or build lacks',
  DEVICE_UNKNOWN: '--device is not one of auto, cpu, cuda, webgpu',
  FILE_MISSING: 'a file or folder lmb needs does not exist',
  FOLDER_UNWRITABLE: 'a folder lmb writes to is full, read-only or not permitted',
  GIT_FAILED: 'lmb diff could not read a git revision',
  GRID_DAMAGED: 'a file in a --results folder is not a results file',
  GRID_INCOMPLETE: 'lmb merge found selected checkpoints with no or partial results',
  GRID_MISSING: 'lmb merge found no results of the suite in the --results folder',
  HUB_ACCESS_REFUSED: 'the hub refused a token or a gated repository',
  HUB_CHECKPOINTS_MISSING: 'a hub repository has no checkpoint-<step> or step<N> revisions',
  HUB_CHECKSUM_MISMATCH: "a downloaded file does not match the hub's sha256",
  HUB_FILES_MISSING: 'a hub revision lacks the files a checkpoint needs',
  HUB_FILE_MISSING: 'a file is not in a hub revision',
  HUB_HTTP_FAILED: 'the hub answered an HTTP error',
  HUB_OFFLINE_MISSING: 'HF_HUB_OFFLINE is set and the cache lacks a file',
  HUB_REPO_INVALID: 'a hub repository id is malformed',
  HUB_REPO_MISSING: 'a hub repository does not exist',
  HUB_RESPONSE_INVALID: 'the hub answered something lmb cannot read',
  HUB_REVISION_MISSING: 'a hub repository has no such revision',
  HUB_TRANSFER_FAILED: 'a download broke off and could not be resumed',
  HUB_UNREACHABLE: 'the hub cannot be reached',
  ICL_LOSSES_INVALID: 'the ICL score was given unequal or empty loss lists',
  LOCK_TIMED_OUT: 'another process held a lock file for too long',
  MODEL_AMBIGUOUS: 'a folder holds several models and none was named',
  MODEL_FORMAT_UNKNOWN: '--model is neither a checkpoint, a weight file, a llama2.c .bin nor .onnx',
  ONNX_UNSUPPORTED: "an .onnx model's inputs or outputs are not ones lmb can drive",
  OPTION_INVALID: 'a command-line option has a value of the wrong form',
  PLATFORM_UNSUPPORTED: 'this operating system or CPU is not supported',
  PROBE_INVALID: 'a probe can never be judged meaningfully (an empty prompt, one option, ...)',
  PROBES_TOO_FEW: "a generator cannot make `count` distinct probes",
  RUN_AMBIGUOUS: '--runs or a checkpoint label gives an alias several runs share',
  RUN_UNKNOWN: '--runs or a checkpoint label names a run the suite lacks',
  SELECTION_EMPTY: 'the checkpoint and run selection picked nothing',
  SELECTION_INVALID: '--checkpoints (or LMB_CHECKPOINTS) is not a selection',
  SCORES_NOT_FINITE: 'a model gave NaN log-probs although its weights are finite',
  SEQUENCE_TOO_LONG: "a forward pass got more tokens than the model's context",
  SESSION_FAILED: 'ONNX Runtime could not create a session for the model',
  SHARD_INVALID: '--shard is not i/n',
  SHARD_UPDATE_REFUSED: 'vitest -u was combined with --shard',
  SNAPSHOT_EMPTY: 'a snapshot holds no cell to compare',
  SNAPSHOT_INVALID: 'matrix.json is not a pass-rate matrix',
  SNAPSHOT_MISSING: 'lmb diff found no matrix.json where it looked',
  SPEC_DUPLICATE: 'two spec files define behaviours of one name',
  SPEC_EMPTY: 'a behaviour has no probes',
  SPEC_FAILED: 'spec code threw while loading, making probes, or judging',
  SPEC_INVALID: 'a spec file does not default-export a behaviour, or a probe source is malformed',
  STEP_UNKNOWN: 'a selected step is not a checkpoint of the run',
  SUITE_EMPTY: 'a folder suite holds no runs',
  SUITE_INVALID: "a suite file's default export is not a Suite",
  SUITE_TOKENS_UNKNOWN: 'suites compared on tokens seen include one that does not say its tokens per step',
  SUITE_UNKNOWN: '--suite names no built-in suite, file or folder',
  TEXT_EMPTY: 'the text to score is empty',
  TEXT_NOT_UTF8: '--text is not valid UTF-8',
  TEXT_TOO_SHORT: 'the text to score has fewer than two tokens',
  TOKENIZER_AMBIGUOUS: 'a folder holds several llama2.c tokenizers',
  TOKENIZER_CANNOT_ENCODE: 'the tokenizer cannot encode some of the text',
  TOKENIZER_CORRUPT: "a tokenizer's files are damaged",
  TOKENIZER_MISMATCH: "the tokenizer's vocabulary does not fit the model",
  TOKENIZER_MISSING: 'no tokenizer files were found',
  TOKENS_TOO_FEW: 'an analysis needs more tokens than the corpus gives',
  TOKEN_ID_INVALID: '--ids holds something that is not a token id',
  TOKEN_NOT_IN_CORPUS: '--at names a document or position the corpus lacks',
  TOKEN_OUT_OF_RANGE: "a token id is outside the model's vocabulary",
  TOKEN_STORE_UNREADABLE: 'a token store cannot be opened (busy or not a store)',
  TOKEN_STORE_VERSION_UNKNOWN: 'a token store was written by another version of lmb',
  WEIGHTS_NOT_FINITE: 'a weight tensor holds NaN or infinity',
  WEIGHT_MISSING: 'a tensor the architecture needs is not in the weights',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error type users see. `code` is stable (tests and scripts match on it), `message`
 * says what happened and to what, `fix` says what to do. The CLI prints both on one line.
 */
export class LmbError extends Error {
  override readonly name = 'LmbError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }

  /** `message. fix` as one line, for the CLI. */
  oneLine(): string {
    const text = this.fix ? `${this.message}. ${this.fix}` : this.message;
    return text.replace(/\s*\n\s*/g, ' ');
  }
}

/**
 * What was thrown, as one line of at most `max` characters, for a message: code a user wrote (a
 * spec) may throw anything — an Error whose message spans lines, a string, null, an object —
 * and a JSON.parse error quotes the text it choked on, control characters and all.
 */
export function thrownLine(thrown: unknown, max = 200): string {
  let text: string;
  try {
    if (thrown instanceof Error) text = thrown.message || thrown.name;
    else if (typeof thrown === 'string') text = thrown;
    else if (typeof thrown === 'object' && thrown !== null) text = `a non-Error object ${JSON.stringify(thrown) ?? ''}`;
    else text = `the value ${String(thrown)}`;
  } catch {
    text = 'an unprintable value';
  }
  // Terminal colour codes (esbuild's parse errors carry them) first, then every control character.
  const line = text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').replace(/[\s\u0000-\u001f\u007f-\u009f\ufffd]+/g, ' ').trim() || '(an empty message)';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
