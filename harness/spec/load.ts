import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LmbError, thrownLine } from '../errors.js';
import type { Behaviour } from './behaviour.js';

export const SPEC_SUFFIX = '.behaviour.ts';

/**
 * Imports every `*.behaviour.ts` in `dir` (sorted by file name) and returns their default
 * exports. A spec that throws, exports something else, or reuses a name is a one-line error.
 */
export async function loadBehaviours(dir: string, only?: readonly string[]): Promise<Behaviour[]> {
  if (!existsSync(dir)) throw new LmbError('FILE_MISSING', `behaviour folder ${dir} does not exist`, 'Run from the project root or pass --behaviours-dir');
  const files = readdirSync(dir).filter((f) => f.endsWith(SPEC_SUFFIX)).sort();
  const byName = new Map<string, Behaviour>();
  for (const f of files) {
    const path = resolve(dir, f);
    const shown = relative(process.cwd(), path);
    let mod: { default?: unknown };
    try {
      mod = await import(pathToFileURL(path).href);
    } catch (e) {
      throw new LmbError('SPEC_FAILED', `${shown} threw while loading: ${thrownLine(e)}`, 'Fix the spec file');
    }
    const b = mod.default as Behaviour | undefined;
    if (!b || typeof b !== 'object' || typeof b.name !== 'string' || !('probes' in b)) {
      throw new LmbError('SPEC_INVALID', `${shown} does not default-export a behaviour`, "End it with `export default behaviour('name', { ... })`");
    }
    const other = byName.get(b.name);
    if (other) throw new LmbError('SPEC_DUPLICATE', `${shown} and ${other.file} both define behaviour "${b.name}"`, 'Rename one of them');
    b.file = shown;
    byName.set(b.name, b);
  }
  if (only?.length) {
    const unknown = only.filter((n) => !byName.has(n));
    if (unknown.length) {
      throw new LmbError('BEHAVIOUR_UNKNOWN', `no behaviour named ${unknown.map((n) => `"${n}"`).join(', ')} in ${dir}`, `Known: ${[...byName.keys()].sort().join(', ')}`);
    }
    return only.map((n) => byName.get(n)!);
  }
  return [...byName.values()];
}

export const defaultBehaviourDir = () => join(process.cwd(), 'behaviours');
