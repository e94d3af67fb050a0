import { Command } from 'commander';
import { readSnapshot, snapshotDir, writeResultsSnapshot, type SnapshotUpdate } from '../../matrix/snapshot.js';
import { matrixForTerminal } from '../../matrix/terminal.js';
import { shownPath } from '../../files/shown-path.js';
import { parseShard, type Shard } from '../../run/shard.js';
import { projectOf, rootOf } from '../options.js';
import { behaviourSuiteOptions, defaultResultsDir, evaluateFromFlags, isNarrowed, suiteGrid, type SuiteFlags } from '../suite-options.js';

interface RunFlags extends SuiteFlags {
  shard?: Shard;
  results?: string;
}

export function runCommand(): Command {
  return behaviourSuiteOptions(new Command('run'))
    .description('run every behaviour on every selected checkpoint; update snapshots/<suite>/ (a narrowed run updates only its cells) and the convergence diffs')
    .option('--shard <i/n>', 'evaluate only the i-th of n equal parts of the grid and record them for lmb merge; writes no snapshot', parseShard)
    .option('--results <dir>', 'where each checkpoint\'s answers are recorded for lmb merge (default: .cache/lmb/grid, or under LMB_CACHE)')
    .action(async (flags: RunFlags, cmd: Command) => {
      const project = projectOf(cmd);
      const resultsDir = flags.results ?? defaultResultsDir(project);
      const selected = await suiteGrid(flags);
      // A narrowed run keeps the committed cells: a damaged snapshot is refused before any checkpoint is evaluated.
      if (!flags.shard && isNarrowed(flags)) readSnapshot(snapshotDir(project, selected.suite.name));
      const { results, suite, gridSize, recorded } = await evaluateFromFlags(flags, project, { shard: flags.shard, resultsDir, selected });
      if (flags.shard) {
        const { index, count } = flags.shard;
        const done = results?.checkpoints.length ?? 0;
        process.stdout.write(`shard ${index}/${count}: ${done} of the grid's ${gridSize} checkpoints recorded in ${recorded!.folder}\n` +
          `when every shard is done: lmb${rootOf(cmd) === undefined ? '' : ` --root ${rootOf(cmd)}`} merge --suite ${flags.suite} --checkpoints ${flags.checkpoints}${flags.runs ? ` --runs ${flags.runs.join(',')}` : ''}` +
          `${flags.behaviours ? ` --behaviours ${flags.behaviours.join(',')}` : ''}${flags.results ? ` --results ${flags.results}` : ''}\n`);
        return;
      }
      const dir = snapshotDir(project, suite.name);
      const update = await writeResultsSnapshot(dir, results!, { partial: isNarrowed(flags) });
      process.stdout.write(`${matrixForTerminal(update.matrix)}\n`);
      process.stdout.write(`${snapshotSummary(shownPath(dir, project.root), update)}\n`);
    });
}

/** What a snapshot update did, in a few lines: cells updated and kept, probe sets that changed, the files. */
export function snapshotSummary(dir: string, u: SnapshotUpdate): string {
  const lines = [`updated ${u.updated} cells${u.kept ? `, kept the ${u.kept} other committed cells` : ''} in ${dir}/{matrix.json,matrix.md,heatmap.svg${u.convergence ? ',convergence.json,convergence.md,emergence.svg' : ''}}`];
  for (const d of u.dropped) lines.push(`${d.behaviour}: ${d.change}; dropped its ${d.cells} committed cells outside this run, computed with the old probes (run without --checkpoints/--runs to refill them)`);
  if (!u.convergence) lines.push('convergence.json/md left as they were: this run did not cover the whole grid (lmb converge compares any steps)');
  return lines.join('\n');
}
