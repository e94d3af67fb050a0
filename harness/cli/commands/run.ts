import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { convergence, convergenceMarkdown } from '../../matrix/converge.js';
import { buildMatrix } from '../../matrix/matrix.js';
import { snapshotDir, writeSnapshot } from '../../matrix/snapshot.js';
import { matrixForTerminal } from '../../matrix/terminal.js';
import { behaviourSuiteOptions, evaluateFromFlags, type SuiteFlags } from '../suite-options.js';

export function runCommand(): Command {
  return behaviourSuiteOptions(new Command('run'))
    .description('run every behaviour on every selected checkpoint; write snapshots/<suite>/ and the convergence diffs')
    .option('--evict', 'delete each downloaded checkpoint\'s weights once its results are stored')
    .action(async (flags: SuiteFlags & { evict?: boolean }) => {
      const { results } = await evaluateFromFlags(flags, { evict: flags.evict });
      const matrix = buildMatrix(results);
      const dir = snapshotDir(process.cwd(), results.suite);
      writeSnapshot(dir, matrix);
      const conv = convergence(results);
      writeFileSync(join(dir, 'convergence.json'), `${JSON.stringify(conv, null, 2)}\n`);
      writeFileSync(join(dir, 'convergence.md'), `${convergenceMarkdown(conv)}\n`);
      process.stdout.write(`${matrixForTerminal(matrix)}\n`);
      process.stdout.write(`wrote ${dir}/{matrix.json,matrix.md,heatmap.svg,convergence.json,convergence.md}\n`);
    });
}
