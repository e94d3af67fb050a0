import { Command } from 'commander';
import { LmbError } from '../../errors.js';
import { scoreCorpus, type CorpusScores } from '../../analysis/tokens/score-corpus.js';
import { shownPath } from '../../files/shown-path.js';
import { parseShard, shardItems, type Shard } from '../../run/shard.js';
import { projectOf, sessionOptionsOf } from '../options.js';
import { statusLine } from '../progress.js';
import { suiteGrid, suiteOptions, type SuiteFlags } from '../suite-options.js';
import { tokenStoreOptions, type TokenStoreFlags } from '../token-options.js';

interface TokensFlags extends SuiteFlags, TokenStoreFlags {
  shard?: Shard;
  export?: string;
}

export function tokensCommand(): Command {
  return tokenStoreOptions(suiteOptions(new Command('tokens')))
    .description('score a corpus with many checkpoints and store every token\'s log-prob in DuckDB (only what is not stored yet)')
    .option('--export <file.parquet>', 'also write one row per (run, step, document, position) with the token text, log-prob and top-1 to a Parquet file, for pandas or polars', parseExport)
    .option('--shard <i/n>', 'score only the i-th of n equal parts of the checkpoints (give each shard its own --store; lmb merge --tokens combines them)', parseShard)
    .action(async (flags: TokensFlags, cmd: Command) => {
      const status = statusLine();
      const project = projectOf(cmd);
      const { suite, grid } = await suiteGrid(flags);
      const mine = shardItems(grid, flags.shard);
      if (mine.length === 0) {
        process.stdout.write(`shard ${flags.shard!.index}/${flags.shard!.count}: none of the grid's ${grid.length} checkpoints\n`);
        return;
      }
      const scores = await scoreCorpus({
        suite,
        grid: mine,
        cacheDir: project.cacheDir,
        evict: flags.evict,
        corpus: flags.corpus,
        store: flags.store,
        model: sessionOptionsOf(flags),
        exportTo: flags.export,
        onCheckpoint: (done, total, run, ref) => status.update(`tokens ${run.name} @ step ${ref.step} (${done + 1}/${total})`),
      });
      status.clear();
      process.stdout.write(`${tokensSummary(scores)}\n`);
      if (flags.export) process.stdout.write(`exported ${scores.exported} rows to ${shownPath(flags.export)}\n`);
    });
}

function parseExport(value: string): string {
  if (!value.endsWith('.parquet')) throw new LmbError('OPTION_INVALID', `--export writes Parquet, and "${value}" does not end in .parquet`, 'e.g. --export tokens.parquet');
  return value;
}

/** A few lines: the corpus, how many checkpoints were added, each checkpoint's mean loss. */
export function tokensSummary(s: CorpusScores): string {
  const added = s.checkpoints.filter((c) => c.added > 0).length;
  const lines = [
    `corpus ${s.corpus} (${shownPath(s.source)}): ${s.documents} documents${s.distinctDocuments < s.documents ? ` (${s.distinctDocuments} distinct)` : ''}, ${s.tokens} tokens (${s.scoredTokens} scored)`,
    `checkpoints: ${s.checkpoints.length} (${added} added, ${s.checkpoints.length - added} already stored) in ${shownPath(s.store)}`,
    ['run'.padEnd(12), 'step'.padStart(8), 'loss'.padStart(7), '  new tokens'].join(' '),
  ];
  for (const c of s.checkpoints) {
    lines.push([c.run.padEnd(12), String(c.step).padStart(8), c.meanLoss.toFixed(3).padStart(7), `  ${c.added}`].join(' '));
  }
  return lines.join('\n');
}
