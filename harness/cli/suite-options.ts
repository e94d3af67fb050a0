import { join } from 'node:path';
import type { Command } from 'commander';
import type { Project } from '../project.js';
import { GridResults } from '../run/grid-results.js';
import { evaluateSuite, type SuiteResults } from '../run/runner.js';
import { shardItems, type Shard } from '../run/shard.js';
import { loadBehaviours } from '../spec/load.js';
import { LmbError } from '../errors.js';
import { findRun } from '../suite/find-run.js';
import { findSuite } from '../suite/registry.js';
import { selectGrid, type GridItem } from '../suite/select.js';
import type { Suite } from '../suite/suite.js';
import { modelOptions, notice, sessionOptionsOf, type ModelFlags } from './options.js';
import { progressReporter } from './progress.js';

export interface SuiteFlags extends ModelFlags {
  suite: string;
  checkpoints: string;
  runs?: string[];
  evict?: boolean;
  behaviours?: string[];
}

/** A comma-separated option value as a list (`--runs a,b`). */
export const commaList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/** The options every command that walks a suite's checkpoints shares. */
export function suiteOptions(cmd: Command): Command {
  return modelOptions(cmd)
    .option('--suite <name>', 'a suite in suites/, a .ts file, or a folder of runs', 'demo')
    .option('--checkpoints <selection>', 'all, final, every:N, log:K, steps or ranges (e.g. 0,1000-5000)', 'all')
    .option('--runs <names>', 'only these runs (comma-separated names or aliases; default: every run)', commaList)
    .option('--evict', 'delete each downloaded checkpoint\'s weights once its results are stored');
}

/** suiteOptions plus --behaviours, for the commands that evaluate behaviours. */
export function behaviourSuiteOptions(cmd: Command): Command {
  return suiteOptions(cmd).option('--behaviours <names>', 'only these behaviours (comma-separated)', commaList);
}

/** The suite the flags name and the (run, checkpoint) pairs they select. */
export async function suiteGrid(flags: Pick<SuiteFlags, 'suite' | 'checkpoints' | 'runs'>): Promise<SelectedGrid> {
  const suite = await findSuite(flags.suite);
  return { suite, grid: selectGrid(suite, flags.checkpoints, flags.runs) };
}

export interface SelectedGrid {
  suite: Suite;
  grid: GridItem[];
}

/**
 * Each suite of `--suite a,b` with its grid: --checkpoints selects in each; a --runs entry
 * `<suite>/<run>` picks a run of that suite, a bare name or alias every suite's run that has it,
 * and every suite must keep a run.
 */
export async function suitesGrid(flags: Pick<SuiteFlags, 'suite' | 'checkpoints' | 'runs'>): Promise<SelectedGrid[]> {
  const names = commaList(flags.suite);
  if (names.length === 1) return [await suiteGrid({ ...flags, suite: names[0] })];
  const suites = await Promise.all(names.map((name) => findSuite(name)));
  const wanted = suites.map((): string[] => []);
  for (const entry of flags.runs ?? []) {
    const prefixed = suites.findIndex((s) => entry.startsWith(`${s.name}/`));
    if (prefixed >= 0) {
      wanted[prefixed].push(entry.slice(suites[prefixed].name.length + 1));
      continue;
    }
    const having = suites.map((s, i) => (hasRun(s, entry) ? i : -1)).filter((i) => i >= 0);
    if (having.length === 0) {
      throw new LmbError('RUN_UNKNOWN', `no suite of ${suites.map((s) => s.name).join(', ')} has a run "${entry}"`,
        `Name runs as <suite>/<run>, e.g. ${suites[0].name}/${suites[0].runs[0]?.name}`);
    }
    having.forEach((i) => wanted[i].push(entry));
  }
  // A suite --runs leaves out would make the comparison one suite written under two names.
  const left = suites.find((_, i) => flags.runs?.length && wanted[i].length === 0);
  if (left) throw new LmbError('SELECTION_EMPTY', `--runs selects no run of suite ${left.name}`, `Name runs of every suite in --suite, as <suite>/<run>, or leave ${left.name} out`);
  return suites.map((suite, i) => ({ suite, grid: selectGrid(suite, flags.checkpoints, wanted[i]) }));
}

/** The name several suites compared together are written under: `snapshots/<a>_vs_<b>/`. */
export const comparisonName = (suites: readonly Suite[]) => suites.map((s) => s.name).join('_vs_');

/** Families compared on one axis must say how many tokens a step is. */
export function requireTokensPerStep(suites: readonly Suite[]): void {
  const unknown = suites.find((s) => !s.tokensPerStep);
  if (unknown) {
    throw new LmbError('SUITE_TOKENS_UNKNOWN', `suite ${unknown.name} does not say how many tokens a training step is, so its runs cannot share a tokens-seen axis with ${suites.filter((s) => s !== unknown).map((s) => s.name).join(', ')}`,
      'Compare suites that set tokensPerStep (crfm-*, pythia, polypythias*), or add tokensPerStep to the suite\'s .ts file');
  }
}

const hasRun = (suite: Suite, name: string) => {
  try {
    return findRun(suite, name) !== undefined;
  } catch (e) {
    if (e instanceof LmbError && e.code === 'RUN_UNKNOWN') return false;
    throw e;
  }
};

/** True when the flags evaluate less than every behaviour on every checkpoint of every run. */
export const isNarrowed = (flags: Pick<SuiteFlags, 'checkpoints' | 'runs' | 'behaviours'>) => flags.checkpoints !== 'all' || !!flags.runs?.length || !!flags.behaviours?.length;

export interface EvaluateExtras {
  /** Evaluate only this shard of the selected grid. */
  shard?: Shard;
  /** Record each checkpoint's answers in GridResults under this folder, for `lmb merge`. */
  resultsDir?: string;
  /** The suite and grid the flags select, when the caller has found them already (default: found here). */
  selected?: SelectedGrid;
}

export interface Evaluated {
  /** Undefined when the shard is empty. */
  results: SuiteResults | undefined;
  suite: Suite;
  gridSize: number;
  recorded?: GridResults;
}

/** Evaluates the flags' behaviours on the flags' grid (or one shard of it) in `project`. */
export async function evaluateFromFlags(flags: SuiteFlags, project: Project, extra: EvaluateExtras = {}): Promise<Evaluated> {
  const { suite, grid } = extra.selected ?? (await suiteGrid(flags));
  const recorded = extra.resultsDir === undefined ? undefined : new GridResults(extra.resultsDir, suite.name);
  const mine = shardItems(grid, extra.shard);
  const behaviours = await loadBehaviours(project.behavioursDir, { only: flags.behaviours, root: project.root });
  if (mine.length === 0 && extra.shard) return { results: undefined, suite, gridSize: grid.length, recorded };
  const results = await evaluateSuite({
    suite,
    grid: mine,
    behaviours,
    cacheDir: project.cacheDir,
    model: sessionOptionsOf(flags),
    evict: flags.evict,
    onProgress: progressReporter(),
    onCheckpoint: recorded && ((c) => recorded.record(c)),
    onAbsent: recorded && ((item, why) => recorded.recordAbsent(item, why.message)),
    onNotice: notice,
  });
  return { results, suite, gridSize: grid.length, recorded };
}

/** `<cacheDir>/grid`: where lmb run records answers for lmb merge unless --results says otherwise. */
export const defaultResultsDir = (project: Project) => join(project.cacheDir, 'grid');
