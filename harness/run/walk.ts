import { LmbError } from '../errors.js';
import { openCheckpoint, type Checkpoint } from '../model/checkpoint.js';
import { GraphModel } from '../model/graph-model.js';
import type { LanguageModel } from '../model/language-model.js';
import type { LoadOptions } from '../model/load.js';
import { lookahead } from '../suite/lookahead.js';
import type { GridItem } from '../suite/select.js';
import type { CheckpointRef, Run } from '../suite/suite.js';
import { openTokenizer } from '../tokenize/open.js';
import { checkTokenizerFits, type TextTokenizer } from '../tokenize/tokenizer.js';
import { CheckpointKeys } from './checkpoint-key.js';

/** One checkpoint of the grid, opened: what every per-checkpoint computation is handed. */
export interface OpenedCheckpoint {
  readonly run: Run;
  readonly ref: CheckpointRef;
  /** Its place in the walk, from 0, of `total`. */
  readonly index: number;
  readonly total: number;
  /** Opened once, with the run's config overrides applied and validated. */
  readonly checkpoint: Checkpoint;
  /** Its content key (weights sha256 + effective config): what caches are keyed by. */
  readonly key: string;
  /** The sha256 of its weight file. */
  readonly weightsSha256: string;
  /** The suite's tokenizer (beside the walk's first checkpoint), checked to fit this checkpoint's vocabulary. */
  readonly tokenizer: TextTokenizer;
  /** The folder the tokenizer was read from. */
  readonly tokenizerDir: string;
  /** Builds the model, once per checkpoint (later calls return the same one); disposed when the visit ends. */
  model(opts?: ModelShape): Promise<LanguageModel>;
}

export interface WalkOptions {
  readonly grid: readonly GridItem[];
  /** Remembers weight hashes for the content keys. */
  readonly keys: CheckpointKeys;
  readonly model?: Omit<LoadOptions, 'configOverrides' | keyof ModelShape>;
  /** Checkpoints fetched ahead of the one being visited (default 2). */
  readonly ahead?: number;
  /** Delete each checkpoint's downloaded weights once its visit has returned. */
  readonly evict?: boolean;
  /** Named in the error when the grid is empty. */
  readonly suite: string;
  /** Told in one line of each checkpoint skipped because its revision or its weights are not there. Default: the model options'. */
  readonly onNotice?: (line: string) => void;
  /** Told of each such checkpoint, with why (e.g. so lmb merge knows the hole is the hub's). */
  readonly onAbsent?: (item: GridItem, why: LmbError) => void;
}

/** Fetch errors that mean the checkpoint is not there (PolyPythias lack some step revisions): skipped, not fatal. */
const ABSENT: ReadonlySet<string> = new Set(['HUB_REVISION_MISSING', 'HUB_FILES_MISSING']);
const isAbsent = (e: unknown) => e instanceof LmbError && ABSENT.has(e.code);

/** Which graph a visit needs: with attention outputs (induction), with a key/value cache (behaviours). */
export interface ModelShape {
  attentions?: boolean;
  cache?: boolean;
}

/**
 * The one checkpoint pipeline: for each grid item in order, fetch (the next `ahead` downloading
 * meanwhile; one not there is skipped with a notice), open once with the run's overrides, key, check the tokenizer, visit (building the
 * model only if the visit asks), dispose, evict. Every command that computes per checkpoint
 * (run, tokens, induction and the analyses on them) walks the grid here.
 */
export async function walkGrid<T>(opts: WalkOptions, visit: (c: OpenedCheckpoint) => Promise<T>): Promise<T[]> {
  if (opts.grid.length === 0) throw new LmbError('SELECTION_EMPTY', `no checkpoints of suite ${opts.suite} were selected`, 'Check --checkpoints and --runs');
  const out: T[] = [];
  let suiteTokenizer: { tokenizer: TextTokenizer; dir: string } | undefined;
  let index = 0;
  for await (const { dir: path, absent } of lookahead(opts.grid.map((g) => g.ref), opts.ahead ?? 2, undefined, isAbsent)) {
    const { run, ref } = opts.grid[index];
    if (path === undefined) {
      (opts.onNotice ?? opts.model?.onNotice)?.(`${run.name}: skipped ${ref.name}: ${(absent as LmbError).message}`);
      opts.onAbsent?.(opts.grid[index], absent as LmbError);
      index++;
      continue;
    }
    const checkpoint = openCheckpoint(path, { ...run.configOverrides });
    suiteTokenizer ??= { tokenizer: openTokenizer(checkpoint.dir), dir: checkpoint.dir };
    checkTokenizerFits(suiteTokenizer.tokenizer, checkpoint.architecture.vocabSize(checkpoint.config), suiteTokenizer.dir);
    let built: { shape: string; model: Promise<LanguageModel> } | undefined;
    const weightsSha256 = opts.keys.weightsHash(checkpoint.weightsPath);
    const opened: OpenedCheckpoint = {
      run, ref, index, total: opts.grid.length, checkpoint,
      key: opts.keys.key(checkpoint, weightsSha256),
      weightsSha256,
      tokenizer: suiteTokenizer.tokenizer,
      tokenizerDir: suiteTokenizer.dir,
      model: (o = {}) => {
        const shape = { attentions: o.attentions ?? false, cache: o.cache ?? false };
        if (built && built.shape !== JSON.stringify(shape)) throw new Error('walkGrid: a visit asked for two different graphs of one checkpoint');
        built ??= { shape: JSON.stringify(shape), model: GraphModel.fromCheckpoint(checkpoint, { ...opts.model, ...shape }) };
        return built.model;
      },
    };
    try {
      out.push(await visit(opened));
    } finally {
      if (built) await (await built.model.catch(() => undefined))?.dispose();
    }
    if (opts.evict) await ref.evict?.();
    index++;
  }
  return out;
}
