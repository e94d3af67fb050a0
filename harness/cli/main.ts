import { Command, CommanderError } from 'commander';
import { LmbError } from '../errors.js';
import { auditCommand } from './commands/audit.js';
import { convergeCommand } from './commands/converge.js';
import { curvesCommand } from './commands/curves.js';
import { diffCommand } from './commands/diff.js';
import { emergenceCommand } from './commands/emergence.js';
import { inductionCommand } from './commands/induction.js';
import { mergeCommand } from './commands/merge.js';
import { pcaCommand } from './commands/pca.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { scatterCommand } from './commands/scatter.js';
import { scoreCommand } from './commands/score.js';
import { tokenizeCommand } from './commands/tokenize.js';
import { tokensCommand } from './commands/tokens.js';

/** The `lmb` command line: a thin shell over the library; each command is one file. */
export function lmbProgram(): Command {
  const program = new Command('lmb')
    .description('Behavioural test suites for language-model training runs')
    .option('--root <dir>', 'the project folder holding behaviours/, snapshots/ and .cache/ (default: the nearest folder up from here with a package.json or behaviours/)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const command of [runCommand(), mergeCommand(), scoreCommand(), tokenizeCommand(), diffCommand(), convergeCommand(), inductionCommand(), emergenceCommand(), auditCommand(), tokensCommand(), scatterCommand(), pcaCommand(), curvesCommand(), reportCommand()]) program.addCommand(command);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await lmbProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e);
  }
}

function reportError(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof LmbError) {
    process.stderr.write(`lmb: ${e.code}: ${e.oneLine()}\n`);
    return 1;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`lmb: unexpected error: ${err.message.split('\n')[0]} (set LMB_DEBUG=1 for the stack trace)\n`);
  if (process.env.LMB_DEBUG) process.stderr.write(`${err.stack}\n`);
  return 1;
}
