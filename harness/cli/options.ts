import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { LmbError } from '../errors.js';
import { snapshotDir } from '../matrix/snapshot.js';
import { DEVICES, parseDevice, type Device, type SessionOptions } from '../model/runtime/session.js';
import { findProject, type Project } from '../project.js';

/** The options every command that loads a model takes: --device, --threads, --no-prepack. */
export function modelOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--device <device>', `where to run: ${DEVICES.join(', ')}`).default('auto').argParser(parseDevice))
    .addOption(new Option('--threads <n>', 'CPU threads (default: one per core)').argParser(positiveInt('--threads')))
    .option('--no-prepack', "keep ONNX Runtime from repacking weights at load (about 100 MiB less for GPT-2 small, 1.2x slower)");
}

export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new LmbError('OPTION_INVALID', `${flag} must be a positive integer, got "${value}"`, `e.g. ${flag} 4`);
    return n;
  };
}

export interface ModelFlags {
  device: Device;
  threads?: number;
  prepack: boolean;
}

/** What modelOptions' flags ask of a model's session. */
export const sessionOptionsOf = (flags: ModelFlags): SessionOptions => ({
  device: flags.device, threads: flags.threads, prepack: flags.prepack, onNotice: notice,
});

const noticed = new Set<string>();

/** Writes a one-line notice to stderr once per process, e.g. when --device auto falls back to the CPU. */
export function notice(line: string): void {
  if (noticed.has(line)) return;
  noticed.add(line);
  process.stderr.write(`lmb: ${line}\n`);
}

/** Where `--out [dir]` writes: `dir`, or with no folder given, the analysis's folder in the suite's snapshots. */
export const outDir = (out: string | true, project: Project, suite: string, analysis: string): string =>
  out === true ? join(snapshotDir(project, suite), analysis) : out;

/** `--root` as given (a global option of lmb), if it was. */
export const rootOf = (cmd: Command): string | undefined => (cmd.optsWithGlobals() as { root?: string }).root;

/** The project a command works in: `--root`, else found from the working directory. */
export function projectOf(cmd: Command): Project {
  return findProject({ root: rootOf(cmd) });
}
