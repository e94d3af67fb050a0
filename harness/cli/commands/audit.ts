import { join } from 'node:path';
import { Command, Option } from 'commander';
import { auditMarkdown, auditSuite } from '../../analysis/audit.js';
import { writeFolder } from '../../files/write-folder.js';
import { outDir, projectOf, sessionOptionsOf } from '../options.js';
import { statusLine } from '../progress.js';
import { suiteGrid, suiteOptions, type SuiteFlags } from '../suite-options.js';

interface AuditFlags extends SuiteFlags {
  format: 'md' | 'json';
  out?: string | true;
}

export function auditCommand(): Command {
  return suiteOptions(new Command('audit'))
    .description('check a family\'s checkpoints: identical weights under two steps, checkpoints that behave like another part of training, missing steps')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .option('--out [dir]', 'also write audit.md and audit.json to dir (default: snapshots/<suite>/audit/)')
    .action(async (flags: AuditFlags, cmd: Command) => {
      const status = statusLine();
      const project = projectOf(cmd);
      const { suite, grid } = await suiteGrid(flags);
      const audit = await auditSuite({
        suite, grid, cacheDir: project.cacheDir, evict: flags.evict, model: sessionOptionsOf(flags),
        onCheckpoint: (label, done, total) => status.update(`audit ${label} (${done + 1}/${total})`),
      });
      status.clear();
      const md = auditMarkdown(audit);
      const json = `${JSON.stringify(audit, null, 2)}\n`;
      process.stdout.write(flags.format === 'json' ? json : `${md}\n`);
      if (flags.out === undefined) return;
      const dir = outDir(flags.out, project, suite.name, 'audit');
      writeFolder(dir, { 'audit.md': md, 'audit.json': json });
      process.stderr.write(`wrote ${join(dir, '{audit.md,audit.json}')}\n`);
    });
}
