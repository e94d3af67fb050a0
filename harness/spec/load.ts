import { readdirSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { LmbError, thrownLine } from '../errors.js';
import { checkBehaviour, type Behaviour } from './behaviour.js';
import { isLmbError, isProbeInvalid } from './contracts.js';

export const SPEC_SUFFIX = '.behaviour.ts';

export interface LoadBehavioursOptions {
  /** Behaviour names to return, in this order (default: all, in file order). */
  readonly only?: readonly string[];
  /** The folder that paths are shown relative to, in messages and in `Behaviour.file` (default: the working directory). */
  readonly root?: string;
}

/**
 * Imports every `*.behaviour.ts` in `dir` (sorted by file name) and returns their default
 * exports. A spec that throws, exports something else, reuses a name, or breaks a contract that
 * needs no tokenizer (a malformed source, a degenerate probe in a list) is a one-line error
 * naming the file. Each file is imported with fast-check's global configuration reset, so a
 * `fc.configureGlobal` in one spec cannot change the probes of another; the caller's
 * configuration is restored afterwards.
 */
export async function loadBehaviours(dir: string, opts: LoadBehavioursOptions = {}): Promise<Behaviour[]> {
  const root = resolve(opts.root ?? process.cwd());
  const shownDir = relative(root, resolve(dir)) || '.';
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new LmbError('FILE_MISSING', `behaviour folder ${resolve(dir)} does not exist`, 'Run lmb inside the project (the folder with package.json and behaviours/), or pass --root');
  }
  const files = readdirSync(dir).filter((f) => f.endsWith(SPEC_SUFFIX)).sort();
  const byName = new Map<string, Behaviour>();
  const saved = fc.readConfigureGlobal();
  try {
    for (const f of files) {
      const path = resolve(dir, f);
      const shown = relative(root, path);
      let mod: { default?: unknown };
      fc.resetConfigureGlobal();
      try {
        mod = await import(pathToFileURL(path).href);
      } catch (e) {
        // A builder called at the top of the spec (next('a', '')) says what is wrong with the probe.
        if (isProbeInvalid(e)) throw new LmbError('PROBE_INVALID', `${shown}: ${thrownLine(e, 400)}`, e.fix);
        throw new LmbError('SPEC_FAILED', `${shown} threw while loading: ${thrownLine(e)}`, 'Fix the spec file');
      } finally {
        fc.resetConfigureGlobal();
      }
      const b = mod.default as Behaviour | undefined;
      if (!b || typeof b !== 'object' || typeof b.name !== 'string' || !('probes' in b)) {
        throw new LmbError('SPEC_INVALID', `${shown} does not default-export a behaviour`, "End it with `export default behaviour('name', { ... })`");
      }
      const other = byName.get(b.name);
      if (other) throw new LmbError('SPEC_DUPLICATE', `${shown} and ${other.file} both define behaviour "${b.name}"`, 'Rename one of them');
      b.file = shown;
      try {
        checkBehaviour(b);
      } catch (e) {
        if (isLmbError(e)) throw e;
        throw new LmbError('SPEC_FAILED', `${shown} threw while its probes were checked: ${thrownLine(e)}`, 'Fix the spec file');
      }
      byName.set(b.name, b);
    }
  } finally {
    fc.configureGlobal(saved);
  }
  if (opts.only?.length) {
    const unknown = opts.only.filter((n) => !byName.has(n));
    if (unknown.length) {
      throw new LmbError('BEHAVIOUR_UNKNOWN', `no behaviour named ${unknown.map((n) => `"${n}"`).join(', ')} in ${shownDir}`, `Known: ${[...byName.keys()].sort().join(', ')}`);
    }
    return opts.only.map((n) => byName.get(n)!);
  }
  return [...byName.values()];
}
