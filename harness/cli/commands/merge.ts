import { Command } from 'commander';
import { snapshotDir, writeResultsSnapshot } from '../../matrix/snapshot.js';
import { matrixForTerminal } from '../../matrix/terminal.js';
import { GridResults } from '../../run/grid-results.js';
import { findSuite } from '../../suite/registry.js';
import { selectCheckpoints } from '../../suite/select.js';

interface MergeFlags {
  suite: string;
  checkpoints: string;
  results?: string;
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('combine the shards of a grid (lmb run --shard i/n) into snapshots/<suite>/ and the convergence diffs, exactly as one lmb run writes them')
    .option('--suite <name>', 'a suite in suites/, a .ts file, or a folder of runs', 'demo')
    .option('--checkpoints <selection>', 'the selection the shards ran (all, final, every:N, log:K, steps or ranges)', 'all')
    .option('--results <dir>', 'the folder the shards recorded into (default: .cache/lmb/grid, or under LMB_CACHE)')
    .action(async (flags: MergeFlags) => {
      const suite = await findSuite(flags.suite);
      const results = new GridResults(flags.results ?? GridResults.defaultDir(), suite.name).read(suite, (run) => selectCheckpoints(run, flags.checkpoints));
      const dir = snapshotDir(process.cwd(), suite.name);
      const matrix = writeResultsSnapshot(dir, results);
      process.stdout.write(`${matrixForTerminal(matrix)}\n`);
      process.stdout.write(`merged ${results.checkpoints.length} checkpoints; wrote ${dir}/{matrix.json,matrix.md,heatmap.svg,convergence.json,convergence.md}\n`);
    });
}
