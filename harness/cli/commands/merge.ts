import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { mergeTokenStore } from '../../analysis/tokens/merge-stores.js';
import { TokenStore } from '../../analysis/tokens/store.js';
import { snapshotDir, writeResultsSnapshot } from '../../matrix/snapshot.js';
import { matrixForTerminal } from '../../matrix/terminal.js';
import { GridResults } from '../../run/grid-results.js';
import { findSuite } from '../../suite/registry.js';
import { selectCheckpoints } from '../../suite/select.js';

interface MergeFlags {
  suite: string;
  checkpoints: string;
  results?: string;
  tokens?: string[];
  store?: string;
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('combine shards: behaviour results (lmb run --shard) into snapshots/<suite>/ exactly as one lmb run writes them, and token stores (lmb tokens --shard) into one')
    .option('--suite <name>', 'a suite in suites/, a .ts file, or a folder of runs', 'demo')
    .option('--checkpoints <selection>', 'the selection the shards ran (all, final, every:N, log:K, steps or ranges)', 'all')
    .option('--results <dir>', 'the folder the shards recorded into (default: .cache/lmb/grid, or under LMB_CACHE)')
    .option('--tokens <stores...>', 'token stores written by lmb tokens --shard, merged into --store')
    .option('--store <path>', 'the token store to merge into (default: .cache/lmb/tokens.duckdb, or under LMB_CACHE)')
    .action(async (flags: MergeFlags) => {
      if (flags.tokens) await mergeStores(flags.tokens, flags.store);
      const suite = await findSuite(flags.suite);
      const grid = new GridResults(flags.results ?? GridResults.defaultDir(), suite.name);
      if (flags.tokens && !flags.results && !existsSync(grid.folder)) return;
      const results = grid.read(suite, (run) => selectCheckpoints(run, flags.checkpoints));
      const dir = snapshotDir(process.cwd(), suite.name);
      const matrix = writeResultsSnapshot(dir, results);
      process.stdout.write(`${matrixForTerminal(matrix)}\n`);
      process.stdout.write(`merged ${results.checkpoints.length} checkpoints; wrote ${dir}/{matrix.json,matrix.md,heatmap.svg,convergence.json,convergence.md}\n`);
    });
}

async function mergeStores(sources: string[], target?: string): Promise<void> {
  const store = await TokenStore.open(target);
  try {
    for (const source of sources) {
      const m = await mergeTokenStore(store, source);
      process.stdout.write(`merged ${m.source} into ${store.path}: ${m.checkpoints} new checkpoints, ${m.documents} new documents, ${m.scoredPairs} new (checkpoint, document) scores\n`);
    }
  } finally {
    store.close();
  }
}
