import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { analyseInduction, type RunInduction } from '../../analysis/induction.js';
import { CONVERGENCE_FILE } from '../../matrix/emergence-inputs.js';
import { snapshotDir, writeEmergenceChart } from '../../matrix/snapshot.js';
import { inductionJson, inductionTable } from '../../analysis/induction-report.js';
import { INDUCTION_FILES, writeInduction } from '../../analysis/induction-write.js';
import { outDir, projectOf, sessionOptionsOf } from '../options.js';
import { statusLine } from '../progress.js';
import { comparisonName, requireTokensPerStep, suitesGrid, suiteOptions, type SuiteFlags } from '../suite-options.js';

interface InductionFlags extends SuiteFlags {
  format: 'json' | 'table';
  /** true: --out without a folder, the suite's snapshot folder. */
  out?: string | true;
}

export function inductionCommand(): Command {
  return suiteOptions(new Command('induction'))
    .description('induction heads across training: ICL score, every head\'s prefix-matching score, the phase change per run; --suite a,b compares families on tokens seen')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--out [dir]', `also write ${INDUCTION_FILES.join(', ')} to dir (default: snapshots/<suite>/induction/)`)
    .action(async (flags: InductionFlags, cmd: Command) => {
      const status = statusLine();
      const project = projectOf(cmd);
      const selected = await suitesGrid(flags);
      const several = selected.length > 1;
      if (several) requireTokensPerStep(selected.map((s) => s.suite));
      const runs: RunInduction[] = [];
      for (const { suite, grid } of selected) {
        const measured = await analyseInduction({
          suite,
          grid,
          cacheDir: project.cacheDir,
          evict: flags.evict,
          model: sessionOptionsOf(flags),
          onCheckpoint: (run, ckpt, done, total) => status.update(`induction ${several ? `${suite.name}/` : ''}${run.name} @ step ${ckpt.step} (${done + 1}/${total})`),
        });
        runs.push(...(several ? measured.map((r) => ({ ...r, run: `${suite.name}/${r.run}` })) : measured));
      }
      status.clear();
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(inductionJson(runs), null, 2)}\n` : `${inductionTable(runs)}\n`);
      if (flags.out === undefined) return;
      const name = comparisonName(selected.map((s) => s.suite));
      const dir = outDir(flags.out, project, name, 'induction');
      await writeInduction(dir, name, runs, { axis: several ? 'tokens' : 'step' });
      // The suite's emergence chart shows the phase changes too, once lmb run has left its convergence.json.
      const suiteDir = snapshotDir(project, name);
      if (flags.out === true && !several && existsSync(join(suiteDir, CONVERGENCE_FILE))) await writeEmergenceChart(suiteDir, name);
      // On stderr, so stdout stays the same JSON or table with or without --out.
      process.stderr.write(`wrote ${join(dir, `{${INDUCTION_FILES.join(',')}}`)}\n`);
    });
}
