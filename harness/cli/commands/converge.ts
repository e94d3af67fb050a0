import { Command, Option } from 'commander';
import { LmbError } from '../../errors.js';
import { convergence, convergenceMarkdown } from '../../matrix/converge.js';
import { suiteDifference, suiteDifferenceMarkdown } from '../../matrix/suite-difference.js';
import type { Project } from '../../project.js';
import { projectOf } from '../options.js';
import { behaviourSuiteOptions, commaList, evaluateFromFlags, suitesGrid, type SuiteFlags } from '../suite-options.js';

export function convergeCommand(): Command {
  return behaviourSuiteOptions(new Command('converge'))
    .description('agreement between runs: multi-bootstrap pass rates across all runs, Fleiss\' and Cohen\'s kappa, the probes that split them; --suite a,b: the difference between two families per behaviour')
    .option('--steps <steps>', 'comma-separated steps to compare at, the only checkpoints evaluated (default: the middle and final shared steps of --checkpoints)', parseSteps)
    .option('--compare <a,b>', 'also the difference between two behaviours\' mean pass rates across runs (b minus a), with its interval, at each step', parsePair)
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .action(async (flags: SuiteFlags & { steps?: number[]; compare?: [string, string]; format: 'md' | 'json' }, cmd: Command) => {
      if (commaList(flags.suite).length > 1) return convergeSuites(flags, projectOf(cmd));
      const steps = flags.steps;
      // With --steps, only those checkpoints are loaded; a step a run lacks is an error naming the nearest ones.
      const selection = steps ? { ...flags, checkpoints: steps.join(',') } : flags;
      const { results } = await evaluateFromFlags(selection, projectOf(cmd));
      const c = convergence(results!, steps, { compare: flags.compare });
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(c, null, 2)}\n` : `${convergenceMarkdown(c)}\n`);
    });
}

/** `--suite a,b`: each suite evaluated on its own grid, then b minus a per behaviour at each one's final step. */
async function convergeSuites(flags: SuiteFlags & { steps?: number[]; compare?: [string, string]; format: 'md' | 'json' }, project: Project): Promise<void> {
  const names = commaList(flags.suite);
  if (names.length !== 2) throw new LmbError('OPTION_INVALID', `--suite compares two suites, got ${names.length} (${flags.suite})`, 'e.g. --suite crfm-gpt2-small,polypythias-160m');
  if (flags.steps || flags.compare) throw new LmbError('OPTION_INVALID', '--steps and --compare are for one suite; two suites are compared at their final steps', 'Drop --steps/--compare, or narrow each suite with --checkpoints');
  const selected = await suitesGrid(flags);
  const results = [];
  for (const s of selected) results.push((await evaluateFromFlags({ ...flags, suite: s.suite.name }, project, { selected: s })).results!);
  const rows = suiteDifference(results[0], results[1]);
  process.stdout.write(flags.format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : `${suiteDifferenceMarkdown(rows)}\n`);
}

function parsePair(value: string): [string, string] {
  const names = value.split(',').map((t) => t.trim()).filter(Boolean);
  if (names.length !== 2 || names[0] === names[1]) throw new LmbError('OPTION_INVALID', `--compare takes two different behaviours, got "${value}"`, 'e.g. --compare emails,acronyms');
  return [names[0], names[1]];
}

function parseSteps(value: string): number[] {
  const terms = value.split(',').map((t) => t.trim());
  if (terms.some((t) => !/^\d+$/.test(t))) throw new LmbError('OPTION_INVALID', `--steps must be comma-separated steps, got "${value}"`, 'e.g. --steps 2000,400000');
  return [...new Set(terms.map(Number))];
}
