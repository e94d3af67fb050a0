import { join } from 'node:path';
import { Command } from 'commander';
import { analyseCurves, type TokenAt } from '../../analysis/curves/curves.js';
import { writeCurves } from '../../analysis/curves/write.js';
import { LmbError } from '../../errors.js';
import { snapshotDir } from '../../matrix/snapshot.js';
import { positiveInt, projectOf } from '../options.js';
import { suiteGrid, suiteOptions, type SuiteFlags } from '../suite-options.js';
import { tokenAnalysisFromFlags, tokenStoreOptions, type TokenStoreFlags } from '../token-options.js';

interface CurvesFlags extends SuiteFlags, TokenStoreFlags {
  tokens: number;
  at?: TokenAt[];
  examples: number;
  margin?: number;
  out?: string;
}

export function curvesCommand(): Command {
  return tokenStoreOptions(suiteOptions(new Command('curves')))
    .description('per-token loss over checkpoints for the tokens the runs disagree on most; each curve classed S-shaped or smooth (logistic vs smooth fit in log-step, by BIC)')
    .option('--tokens <n>', 'how many of the tokens where the runs\' final checkpoints disagree most', positiveInt('--tokens'), 500)
    .option('--at <doc:pos,...>', 'these tokens instead, as doc:position (as curves.md and scatter.md list them)', parseTokens)
    .option('--margin <bic>', 'how much lower the logistic\'s BIC must be to call a curve S-shaped (default 2)', nonNegative)
    .option('--examples <n>', 'example curves of each class in the chart and the markdown', positiveInt('--examples'), 3)
    .option('--out <dir>', 'where to write curves.{json,md,svg,png} (default: snapshots/<suite>/curves/)')
    .action(async (flags: CurvesFlags, cmd: Command) => {
      const project = projectOf(cmd);
      const { suite, grid } = await suiteGrid(flags);
      const common = tokenAnalysisFromFlags('curves', suite, flags, project);
      const summary = await analyseCurves({
        ...common,
        grid,
        tokens: flags.tokens,
        at: flags.at,
        examples: flags.examples,
        margin: flags.margin,
      });
      common.done();
      const dir = flags.out ?? join(snapshotDir(project, suite.name), 'curves');
      process.stdout.write(`${await writeCurves(dir, summary)}\nwrote ${join(dir, 'curves.{json,md,svg,png}')}\n`);
    });
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new LmbError('OPTION_INVALID', `--margin must be a number ≥ 0, got "${value}"`, 'e.g. --margin 6');
  return n;
}

function parseTokens(value: string): TokenAt[] {
  return value.split(',').map((item) => {
    const m = /^\s*(\d+):(\d+)\s*$/.exec(item);
    if (!m) throw new LmbError('OPTION_INVALID', `--at takes tokens as doc:position, got "${item.trim()}"`, 'e.g. --at 12:40,57:3');
    return { doc: Number(m[1]), position: Number(m[2]) };
  });
}
