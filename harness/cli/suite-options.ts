import type { Command } from 'commander';
import { GridResults } from '../run/grid-results.js';
import { ResultCache } from '../run/result-cache.js';
import { evaluateSuite, type SuiteResults } from '../run/runner.js';
import { shardItems, type Shard } from '../run/shard.js';
import { defaultBehaviourDir, loadBehaviours } from '../spec/load.js';
import { findSuite } from '../suite/registry.js';
import { selectGrid, selectOnly } from '../suite/select.js';
import type { Suite } from '../suite/suite.js';
import { deviceOption, notice, threadsOption, type ModelFlags } from './options.js';
import { progressReporter } from './progress.js';

export interface SuiteFlags extends ModelFlags {
  suite: string;
  checkpoints: string;
  behaviours?: string[];
}

/** The options every command that runs a suite's checkpoints shares. */
export function suiteOptions(cmd: Command): Command {
  return cmd
    .option('--suite <name>', 'a suite in suites/, a .ts file, or a folder of runs', 'demo')
    .option('--checkpoints <selection>', 'all, final, every:N, log:K, steps or ranges (e.g. 0,1000-5000)', 'all')
    .addOption(deviceOption())
    .addOption(threadsOption());
}

/** suiteOptions plus --behaviours, for the commands that evaluate behaviours. */
export function behaviourSuiteOptions(cmd: Command): Command {
  return suiteOptions(cmd)
    .option('--behaviours <names>', 'only these behaviours (comma-separated)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean));
}

export interface EvaluateExtras {
  evict?: boolean;
  /** Evaluate only this shard of the selected grid. */
  shard?: Shard;
  /** Record each checkpoint's outcomes in GridResults under this folder, for `lmb merge`. */
  resultsDir?: string;
}

/** Evaluates the flags' behaviours on the flags' grid (or one shard of it); undefined when the shard is empty. */
export async function evaluateFromFlags(flags: SuiteFlags, extra: EvaluateExtras = {}): Promise<{ results: SuiteResults | undefined; suite: Suite; gridSize: number; recorded?: GridResults }> {
  const suite = await findSuite(flags.suite);
  const recorded = extra.resultsDir === undefined ? undefined : new GridResults(extra.resultsDir, suite.name);
  const grid = selectGrid(suite, flags.checkpoints);
  const mine = shardItems(grid, extra.shard);
  if (mine.length === 0 && extra.shard) return { results: undefined, suite, gridSize: grid.length, recorded };
  const behaviours = await loadBehaviours(defaultBehaviourDir(), flags.behaviours);
  const results = await evaluateSuite({
    suite,
    behaviours,
    cache: new ResultCache(ResultCache.defaultDir()),
    select: selectOnly(mine),
    model: { device: flags.device, threads: flags.threads, onNotice: notice },
    evict: extra.evict,
    onProgress: progressReporter(),
    onCheckpoint: recorded && ((c, probes) => recorded.record(c, probes)),
  });
  return { results, suite, gridSize: grid.length, recorded };
}
