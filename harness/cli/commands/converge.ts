import { Command, Option } from 'commander';
import { LmbError } from '../../errors.js';
import { convergence, convergenceMarkdown } from '../../matrix/converge.js';
import { behaviourSuiteOptions, evaluateFromFlags, type SuiteFlags } from '../suite-options.js';

export function convergeCommand(): Command {
  return behaviourSuiteOptions(new Command('converge'))
    .description('probe-by-probe agreement between runs: counts, Cohen\'s kappa, the probes that split them')
    .option('--steps <steps>', 'comma-separated steps to compare at (default: the middle and final shared steps)', parseSteps)
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .action(async (flags: SuiteFlags & { steps?: number[]; format: 'md' | 'json' }) => {
      const { results } = await evaluateFromFlags(flags);
      const c = convergence(results!, flags.steps);
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(c, null, 2)}\n` : `${convergenceMarkdown(c)}\n`);
    });
}

function parseSteps(value: string): number[] {
  const steps = value.split(',').map(Number);
  if (steps.some((s) => !Number.isInteger(s) || s < 0)) throw new LmbError('OPTION_INVALID', `--steps must be comma-separated steps, got "${value}"`, 'e.g. --steps 2000,400000');
  return steps;
}
