import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { LmbError } from '../../errors.js';
import { diffMarkdown, diffMatrices } from '../../matrix/diff.js';
import type { PassRateMatrix } from '../../matrix/matrix.js';
import { readMatrix } from '../../matrix/snapshot.js';

export function diffCommand(): Command {
  return new Command('diff')
    .description('the cells whose pass-rate interval moved between two matrices, as markdown for a PR comment')
    .argument('<base>', 'a matrix.json, or a git revision')
    .argument('<head>', 'a matrix.json, or a git revision')
    .option('--suite <name>', 'with git revisions: which snapshots/<suite>/matrix.json (default: every suite in either)')
    .action((base: string, head: string, flags: { suite?: string }) => {
      if (existsSync(base) && existsSync(head)) {
        process.stdout.write(diffMarkdown(diffMatrices(readMatrix(base), readMatrix(head))));
        return;
      }
      const suites = flags.suite ? [flags.suite] : [...new Set([...suitesAt(base), ...suitesAt(head)])].sort();
      if (!suites.length) throw new LmbError('SNAPSHOT_MISSING', `neither ${base} nor ${head} has a snapshots/<suite>/matrix.json`, 'Pass two matrix.json files, or revisions that have snapshots');
      for (const s of suites) {
        const changes = diffMatrices(matrixAt(base, s), matrixAt(head, s));
        process.stdout.write(`${diffMarkdown(changes, `${s}: behaviour pass rates that moved (${base} → ${head})`)}\n`);
      }
    });
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new LmbError('GIT_FAILED', `git ${args.join(' ')} failed: ${String((e as { stderr?: string }).stderr ?? e).trim().split('\n')[0]}`,
      'Pass existing matrix.json files or valid git revisions');
  }
}

function suitesAt(rev: string): string[] {
  return git(['ls-tree', '-r', '--name-only', rev, 'snapshots/'])
    .split('\n').map((p) => /^snapshots\/([^/]+)\/matrix\.json$/.exec(p)?.[1]).filter((s): s is string => !!s);
}

function matrixAt(rev: string, suite: string): PassRateMatrix {
  const empty: PassRateMatrix = { suite, behaviours: [], runs: [], cells: {} };
  if (!suitesAt(rev).includes(suite)) return empty;
  return JSON.parse(git(['show', `${rev}:snapshots/${suite}/matrix.json`])) as PassRateMatrix;
}
