import type { Command } from 'commander';
import { ResultCache } from '../run/result-cache.js';
import { evaluateSuite, type SuiteResults } from '../run/runner.js';
import { defaultBehaviourDir, loadBehaviours } from '../spec/load.js';
import { findSuite } from '../suite/registry.js';
import { selectCheckpoints } from '../suite/select.js';
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

export async function evaluateFromFlags(flags: SuiteFlags, extra: { evict?: boolean } = {}): Promise<{ results: SuiteResults }> {
  const suite = await findSuite(flags.suite);
  const behaviours = await loadBehaviours(defaultBehaviourDir(), flags.behaviours);
  const results = await evaluateSuite({
    suite,
    behaviours,
    cache: new ResultCache(ResultCache.defaultDir()),
    select: (run) => selectCheckpoints(run, flags.checkpoints),
    model: { device: flags.device, threads: flags.threads, onNotice: notice },
    evict: extra.evict,
    onProgress: progressReporter(),
  });
  return { results };
}
