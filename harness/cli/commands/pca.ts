import { join } from 'node:path';
import { Command } from 'commander';
import { analysePca } from '../../analysis/pca/analyse.js';
import { pcaOverview } from '../../analysis/pca/markdown.js';
import { PCA_FILES, writePca } from '../../analysis/pca/write.js';
import { snapshotDir } from '../../matrix/snapshot.js';
import { findSuite } from '../../suite/registry.js';
import { positiveInt, projectOf } from '../options.js';
import { suiteOptions, type SuiteFlags } from '../suite-options.js';
import { tokenAnalysisFromFlags, tokenStoreOptions, type TokenStoreFlags } from '../token-options.js';

interface PcaFlags extends SuiteFlags, TokenStoreFlags {
  runs?: string[];
  components: number;
  top: number;
  out?: string;
}

export function pcaCommand(): Command {
  return tokenStoreOptions(suiteOptions(new Command('pca')))
    .description('PCA of per-token losses across checkpoints: explained variance, loadings over training, the tokens at both ends of each component')
    .option('--components <n>', 'components reported with loadings and end tokens', positiveInt('--components'), 3)
    .option('--top <n>', 'tokens shown at each end of a component', positiveInt('--top'), 10)
    .option('--out <dir>', `where to write ${PCA_FILES.join(', ')} (default: snapshots/<suite>/pca/)`)
    .action(async (flags: PcaFlags, cmd: Command) => {
      const project = projectOf(cmd);
      const suite = await findSuite(flags.suite);
      const common = tokenAnalysisFromFlags('pca', suite, flags, project);
      const summary = await analysePca({ ...common, runs: flags.runs, checkpoints: flags.checkpoints, components: flags.components, top: flags.top });
      common.done();
      const dir = flags.out ?? join(snapshotDir(project, suite.name), 'pca');
      await writePca(dir, summary);
      process.stdout.write(`${pcaOverview(summary).join('\n')}\n\nwrote ${join(dir, `{${PCA_FILES.join(',')}}`)}\n`);
    });
}
