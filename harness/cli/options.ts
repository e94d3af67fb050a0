import { Option, type Command } from 'commander';
import { LmbError } from '../errors.js';
import { DEVICES, parseDevice, type Device } from '../model/runtime/session.js';
import { findProject, type Project } from '../project.js';

/** Options shared by every command that loads a model. */
export const deviceOption = () =>
  new Option('--device <device>', `where to run: ${DEVICES.join(', ')}`).default('auto').argParser(parseDevice);

export const threadsOption = () => new Option('--threads <n>', 'CPU threads (default: one per core)').argParser(positiveInt('--threads'));

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
}

const noticed = new Set<string>();

/** Writes a one-line notice to stderr once per process, e.g. when --device auto falls back to the CPU. */
export function notice(line: string): void {
  if (noticed.has(line)) return;
  noticed.add(line);
  process.stderr.write(`lmb: ${line}\n`);
}

/** `--root` as given (a global option of lmb), if it was. */
export const rootOf = (cmd: Command): string | undefined => (cmd.optsWithGlobals() as { root?: string }).root;

/** The project a command works in: `--root`, else found from the working directory. */
export function projectOf(cmd: Command): Project {
  return findProject({ root: rootOf(cmd) });
}
