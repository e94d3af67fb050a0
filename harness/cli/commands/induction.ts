import { join } from 'node:path';
import { Command, Option } from 'commander';
import { analyseInduction } from '../../analysis/induction.js';
import { inductionJson, inductionTable } from '../../analysis/induction-report.js';
import { INDUCTION_FILES, writeInduction } from '../../analysis/induction-write.js';
import { outDir, projectOf, sessionOptionsOf } from '../options.js';
import { statusLine } from '../progress.js';
import { suiteGrid, suiteOptions, type SuiteFlags } from '../suite-options.js';

interface InductionFlags extends SuiteFlags {
  format: 'json' | 'table';
  /** true: --out without a folder, the suite's snapshot folder. */
  out?: string | true;
}

export function inductionCommand(): Command {
  return suiteOptions(new Command('induction'))
    .description('induction heads across training: ICL score, every head\'s prefix-matching score, the phase change per run')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--out [dir]', `also write ${INDUCTION_FILES.join(', ')} to dir (default: snapshots/<suite>/induction/)`)
    .action(async (flags: InductionFlags, cmd: Command) => {
      const status = statusLine();
      const project = projectOf(cmd);
      const { suite, grid } = await suiteGrid(flags);
      const runs = await analyseInduction({
        suite,
        grid,
        cacheDir: project.cacheDir,
        evict: flags.evict,
        model: sessionOptionsOf(flags),
        onCheckpoint: (run, ckpt, done, total) => status.update(`induction ${run.name} @ step ${ckpt.step} (${done + 1}/${total})`),
      });
      status.clear();
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(inductionJson(runs), null, 2)}\n` : `${inductionTable(runs)}\n`);
      if (flags.out === undefined) return;
      const dir = outDir(flags.out, project, suite.name, 'induction');
      await writeInduction(dir, suite.name, runs);
      // On stderr, so stdout stays the same JSON or table with or without --out.
      process.stderr.write(`wrote ${join(dir, `{${INDUCTION_FILES.join(',')}}`)}\n`);
    });
}
