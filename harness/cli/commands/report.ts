import { Command } from 'commander';
import { snapshotDir } from '../../matrix/snapshot.js';
import { writeReport } from '../../report/write.js';
import { findSuite } from '../../suite/registry.js';
import { projectOf } from '../options.js';

interface ReportFlags {
  suite: string;
  dir?: string;
  out?: string;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('one static HTML page of a suite\'s snapshots: the matrix heatmap and table, convergence, every analysis folder')
    .option('--suite <name>', 'a suite in suites/, a .ts file, or a folder of runs', 'demo')
    .option('--dir <dir>', 'the snapshot folder to report (default: snapshots/<suite>/)')
    .option('--out <file>', 'where to write the page (default: report.html in the snapshot folder)')
    .action(async (flags: ReportFlags, cmd: Command) => {
      const project = projectOf(cmd);
      const suite = await findSuite(flags.suite);
      const dir = flags.dir ?? snapshotDir(project, suite.name);
      const { path, sections } = writeReport({ dir, suite: suite.name, out: flags.out });
      process.stdout.write(`wrote ${path}: ${sections.map((s) => s.title).join(', ')}\n`);
    });
}
