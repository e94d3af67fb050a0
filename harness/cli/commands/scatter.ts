import { join } from 'node:path';
import { Command } from 'commander';
import { analyseScatter } from '../../analysis/scatter/scatter.js';
import { scatterFolder, writeScatter } from '../../analysis/scatter/write.js';
import { snapshotDir } from '../../matrix/snapshot.js';
import { findSuite } from '../../suite/registry.js';
import { modelOptions, positiveInt, projectOf } from '../options.js';
import { tokenAnalysisFromFlags, tokenStoreOptions, type TokenStoreFlags } from '../token-options.js';

interface ScatterFlags extends TokenStoreFlags {
  suite: string;
  out?: string;
  top: number;
}

export function scatterCommand(): Command {
  return modelOptions(tokenStoreOptions(new Command('scatter')))
    .description('compare two checkpoints token by token: correlation of log-probs, biggest disagreements, which token classes each wins')
    .argument('<a>', 'a checkpoint as run@step, or run@final for the run\'s last')
    .argument('<b>', 'the checkpoint to compare it with')
    .option('--suite <name>', 'a suite in suites/, a .ts file, or a folder of runs', 'demo')
    .option('--out <dir>', 'where to write scatter.{svg,png,json,md} (default: snapshots/<suite>/scatter-<A>-vs-<B>/)')
    .option('--top <n>', 'outliers shown each way', positiveInt('--top'), 20)
    .action(async (a: string, b: string, flags: ScatterFlags, cmd: Command) => {
      const project = projectOf(cmd);
      const suite = await findSuite(flags.suite);
      const common = tokenAnalysisFromFlags('scatter', suite, flags, project);
      const result = await analyseScatter({ ...common, a, b, top: flags.top });
      common.done();
      const { summary: s } = result;
      const dir = flags.out ?? join(snapshotDir(project, suite.name), scatterFolder(s.a.label, s.b.label));
      process.stdout.write(`${writeScatter(dir, result)}\nwrote ${join(dir, 'scatter.{svg,png,json,md}')}\n`);
    });
}
