import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LmbError, thrownLine } from '../errors.js';
import { hubSuite } from './hub-suite.js';
import { localSuite } from './local-suite.js';
import type { Suite } from './suite.js';

/** The project's own suites. */
export const BUILT_IN_DIR = fileURLToPath(new URL('../../suites', import.meta.url));

/** Where built-in suite NAME may live under suites/, tried in order, and how it is loaded. */
const BUILT_IN_FORMS: readonly { path: (name: string) => string; load: (path: string, name: string) => Promise<Suite> }[] = [
  { path: (name) => `${name}.ts`, load: (path) => importSuite(path) },
  { path: (name) => join(name, 'suite.ts'), load: (path) => importSuite(path) },
  { path: (name) => join(name, 'runs'), load: async (path, name) => localSuite(path, { name }) },
];

const HUB_PREFIX = 'hf:';
const SCRIPT = /\.(ts|mts|js|mjs)$/;

export interface FindSuiteOptions {
  /** Paths are relative to it. Default: the working directory. */
  readonly cwd?: string;
  /** Default: the project's suites/ folder. */
  readonly builtInDir?: string;
}

/**
 * A suite by what the user typed: a built-in name (`crfm-gpt2-small`), a `.ts` file that
 * default-exports a Suite, a folder of runs (`DIR/<run>/checkpoint-<step>/`), or `hf:org/name`
 * (a hub repo whose `checkpoint-<step>` or `step<N>` revisions are its checkpoints).
 */
export async function findSuite(query: string, opts: FindSuiteOptions = {}): Promise<Suite> {
  const cwd = opts.cwd ?? process.cwd();
  const builtIns = opts.builtInDir ?? BUILT_IN_DIR;
  if (query.startsWith(HUB_PREFIX)) {
    const repo = query.slice(HUB_PREFIX.length);
    return hubSuite({ name: repo, runs: [repo] });
  }
  if (SCRIPT.test(query)) {
    const path = resolve(cwd, query);
    if (!existsSync(path)) throw new LmbError('SUITE_UNKNOWN', `suite file ${path} does not exist`, 'Check the path');
    return importSuite(path);
  }
  if (!/[\\/]/.test(query)) {
    for (const form of BUILT_IN_FORMS) {
      const path = join(builtIns, form.path(query));
      if (existsSync(path)) return form.load(path, query);
    }
  }
  const dir = resolve(cwd, query);
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return localSuite(dir);
  throw new LmbError('SUITE_UNKNOWN', `no suite "${query}"`,
    `Known suites: ${knownSuites(builtIns).join(', ') || 'none'}; or pass a .ts file that default-exports a Suite, a folder of runs, or hf:org/name`);
}

/** Names of the built-in suites. */
export function knownSuites(builtInDir: string = BUILT_IN_DIR): string[] {
  if (!existsSync(builtInDir)) return [];
  const names = readdirSync(builtInDir, { withFileTypes: true }).flatMap((e) =>
    e.isFile() && e.name.endsWith('.ts') ? [e.name.slice(0, -3)]
      : e.isDirectory() && BUILT_IN_FORMS.slice(1).some((f) => existsSync(join(builtInDir, f.path(e.name)))) ? [e.name] : []);
  return [...new Set(names)].sort();
}

async function importSuite(path: string): Promise<Suite> {
  let exported: unknown;
  try {
    exported = await (await import(pathToFileURL(path).href)).default;
  } catch (e) {
    if (e instanceof LmbError) throw e;
    throw new LmbError('SUITE_INVALID', `cannot load suite file ${path}: ${thrownLine(e)}`, 'Fix the error in that file');
  }
  const problem = suiteProblem(exported);
  if (problem) {
    throw new LmbError('SUITE_INVALID', `${path} does not default-export a Suite: ${problem}`,
      'End the file with `export default { name, runs: [{ name, checkpoints }] }`, as suites/crfm-gpt2-small.ts does');
  }
  return exported as Suite;
}

function suiteProblem(x: unknown): string | undefined {
  const s = x as Partial<Suite> | undefined;
  if (typeof s !== 'object' || s === null) return `the default export is ${s === undefined ? 'missing' : typeof s}`;
  if (typeof s.name !== 'string' || s.name === '') return 'it has no name';
  if (!Array.isArray(s.runs) || s.runs.length === 0) return 'it has no runs';
  const bad = s.runs.findIndex((r) => typeof r?.name !== 'string' || !Array.isArray(r.checkpoints));
  return bad >= 0 ? `run ${bad} needs a name and a checkpoints array` : undefined;
}
