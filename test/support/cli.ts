import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const LMB = join(import.meta.dirname, '..', '..', 'bin', 'lmb.js');

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `lmb` CLI in a child process (in `cwd`, with `env` added) and returns its exit status and output. */
export async function lmb(opts: { cwd?: string; env?: Record<string, string> }, ...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [LMB, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 1 << 26 });
    return { status: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { status: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
