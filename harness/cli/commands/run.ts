import { Command } from 'commander';
import { snapshotDir, writeResultsSnapshot } from '../../matrix/snapshot.js';
import { matrixForTerminal } from '../../matrix/terminal.js';
import { GridResults } from '../../run/grid-results.js';
import { parseShard, type Shard } from '../../run/shard.js';
import { behaviourSuiteOptions, evaluateFromFlags, type SuiteFlags } from '../suite-options.js';

interface RunFlags extends SuiteFlags {
  evict?: boolean;
  shard?: Shard;
  results?: string;
}

export function runCommand(): Command {
  return behaviourSuiteOptions(new Command('run'))
    .description('run every behaviour on every selected checkpoint; write snapshots/<suite>/ and the convergence diffs')
    .option('--evict', 'delete each downloaded checkpoint\'s weights once its results are stored')
    .option('--shard <i/n>', 'evaluate only the i-th of n equal parts of the grid and record them for lmb merge; writes no snapshot', parseShard)
    .option('--results <dir>', 'where each checkpoint\'s outcomes are recorded for lmb merge (default: .cache/lmb/grid, or under LMB_CACHE)')
    .action(async (flags: RunFlags) => {
      const resultsDir = flags.results ?? GridResults.defaultDir();
      const { results, suite, gridSize, recorded } = await evaluateFromFlags(flags, { evict: flags.evict, shard: flags.shard, resultsDir });
      if (flags.shard) {
        const { index, count } = flags.shard;
        const done = results?.checkpoints.length ?? 0;
        process.stdout.write(`shard ${index}/${count}: ${done} of the grid's ${gridSize} checkpoints recorded in ${recorded!.folder}\n` +
          `when every shard is done: lmb merge --suite ${flags.suite} --checkpoints ${flags.checkpoints}${flags.results ? ` --results ${flags.results}` : ''}\n`);
        return;
      }
      const dir = snapshotDir(process.cwd(), suite.name);
      const matrix = writeResultsSnapshot(dir, results!);
      process.stdout.write(`${matrixForTerminal(matrix)}\n`);
      process.stdout.write(`wrote ${dir}/{matrix.json,matrix.md,heatmap.svg,convergence.json,convergence.md}\n`);
    });
}
