import type { Command } from 'commander';
import type { TokenAnalysisOptions } from '../analysis/tokens/scored-matrix.js';
import type { Project } from '../project.js';
import type { Suite } from '../suite/suite.js';
import { sessionOptionsOf, type ModelFlags } from './options.js';
import { statusLine } from './progress.js';

export interface TokenStoreFlags extends ModelFlags {
  corpus?: string;
  store?: string;
}

/** --corpus and --store: what every command that scores a corpus into the token store reads. */
export function tokenStoreOptions(cmd: Command): Command {
  return cmd
    .option('--corpus <file>', '.txt (documents separated by blank lines) or .jsonl ("text" per line); default: the bundled OpenWebText sample')
    .option('--store <path>', 'the DuckDB token store (default: .cache/lmb/tokens.duckdb, or under LMB_CACHE)');
}

/**
 * The flags' corpus, store and model settings as analysis options, with a terminal status line
 * for the checkpoints being scored; call `done()` when the analysis returns.
 */
export function tokenAnalysisFromFlags(command: string, suite: Suite, flags: TokenStoreFlags, project: Project): TokenAnalysisOptions & { done(): void } {
  const status = statusLine();
  return {
    suite,
    cacheDir: project.cacheDir,
    corpus: flags.corpus,
    store: flags.store,
    model: sessionOptionsOf(flags),
    onCheckpoint: (done, total, label) => status.update(`${command} scoring ${label} (${done + 1}/${total})`),
    done: () => status.clear(),
  };
}
