import { Command, Option } from 'commander';
import { analyseInduction } from '../../analysis/induction.js';
import { inductionJson, inductionTable } from '../../analysis/induction-report.js';
import { findSuite } from '../../suite/registry.js';
import { selectCheckpoints } from '../../suite/select.js';
import { deviceOption, notice, threadsOption, type ModelFlags } from '../options.js';

interface InductionFlags extends ModelFlags {
  suite: string;
  checkpoints: string;
  format: 'json' | 'table';
}

export function inductionCommand(): Command {
  return new Command('induction')
    .description('induction heads across training: ICL score, every head\'s prefix-matching score, the phase change per run')
    .option('--suite <name>', 'a suite in suites/, a .ts file, or a folder of runs', 'demo')
    .option('--checkpoints <selection>', 'all, final, every:N, log:K, steps or ranges (e.g. 0,1000-5000)', 'all')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(deviceOption())
    .addOption(threadsOption())
    .action(async (flags: InductionFlags) => {
      const suite = await findSuite(flags.suite);
      const runs = await analyseInduction({
        suite,
        select: (run) => selectCheckpoints(run, flags.checkpoints),
        model: { device: flags.device, threads: flags.threads, onNotice: notice },
        onCheckpoint: process.stderr.isTTY
          ? (run, ckpt, done, total) => process.stderr.write(`\rlmb: induction ${run.name} @ step ${ckpt.step} (${done + 1}/${total})\x1b[K`)
          : undefined,
      });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(inductionJson(runs), null, 2)}\n` : `${inductionTable(runs)}\n`);
    });
}
