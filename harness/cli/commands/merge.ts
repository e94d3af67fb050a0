import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { mergeTokenStore } from '../../analysis/tokens/merge-stores.js';
import { TokenStore } from '../../analysis/tokens/store.js';
import { shownPath } from '../../files/shown-path.js';
import { snapshotDir, writeResultsSnapshot } from '../../matrix/snapshot.js';
import { matrixForTerminal } from '../../matrix/terminal.js';
import type { Project } from '../../project.js';
import { GridResults } from '../../run/grid-results.js';
import { loadBehaviours } from '../../spec/load.js';
import { projectOf } from '../options.js';
import { commaList, defaultResultsDir, isNarrowed, suiteGrid, type SuiteFlags } from '../suite-options.js';
import { snapshotSummary } from './run.js';

interface MergeFlags extends Pick<SuiteFlags, 'suite' | 'checkpoints' | 'runs' | 'behaviours'> {
  results?: string;
  snapshots?: string;
  tokens?: string[];
  store?: string;
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('combine shards: recorded answers (lmb run --shard) judged into snapshots/<suite>/ exactly as one lmb run writes them, and token stores (lmb tokens --shard) into one')
    .option('--suite <name>', 'a suite in suites/, a .ts file, or a folder of runs', 'demo')
    .option('--checkpoints <selection>', 'the selection the shards ran (all, final, every:N, log:K, steps or ranges)', 'all')
    .option('--runs <names>', 'only these runs (comma-separated names or aliases)', commaList)
    .option('--behaviours <names>', 'only these behaviours (comma-separated)', commaList)
    .option('--results <dir>', 'the folder the shards recorded into (default: .cache/lmb/grid, or under LMB_CACHE)')
    .option('--snapshots <dir>', 'the folder to write <suite>/ into (default: snapshots/ of the project, whose behaviours judge the answers)')
    .option('--tokens <stores...>', 'token stores written by lmb tokens --shard, merged into --store')
    .option('--store <path>', 'the token store to merge into (default: .cache/lmb/tokens.duckdb, or under LMB_CACHE)')
    .action(async (flags: MergeFlags, cmd: Command) => {
      const project = projectOf(cmd);
      if (flags.tokens) await mergeStores(flags.tokens, flags.store ?? TokenStore.pathIn(project.cacheDir));
      const { suite, grid } = await suiteGrid(flags);
      const recorded = new GridResults(flags.results ?? defaultResultsDir(project), suite.name);
      if (flags.tokens && !flags.results && !existsSync(recorded.folder)) return;
      const behaviours = await loadBehaviours(project.behavioursDir, { only: flags.behaviours, root: project.root });
      const results = recorded.judge(grid, behaviours);
      await writeMerged(flags.snapshots ? { ...project, snapshotsDir: resolve(flags.snapshots) } : project, results, isNarrowed(flags));
    });
}

async function writeMerged(project: Project, results: ReturnType<GridResults['judge']>, partial: boolean): Promise<void> {
  const dir = snapshotDir(project, results.suite);
  const update = await writeResultsSnapshot(dir, results, { partial });
  process.stdout.write(`${matrixForTerminal(update.matrix)}\n`);
  process.stdout.write(`merged ${results.checkpoints.length} checkpoints\n${snapshotSummary(shownPath(dir, project.root), update)}\n`);
}

async function mergeStores(sources: string[], target: string): Promise<void> {
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
