import fc from 'fast-check';
import { thrownLine } from '../errors.js';
import type { TextTokenizer } from '../tokenize/tokenizer.js';
import { probeId, type Probe, type ProbeInput } from './probe.js';

/** What a probe generator may need to know about the model family it will run against. */
export interface ProbeContext {
  readonly vocabSize: number;
  readonly tokenizer: TextTokenizer;
}

/** Generated probes: a fast-check arbitrary sampled with a fixed seed, so every run sees the same probes. */
export interface Generated {
  readonly arbitrary: fc.Arbitrary<ProbeInput> | ((ctx: ProbeContext) => fc.Arbitrary<ProbeInput>);
  readonly seed: number;
  readonly count: number;
}

export type ProbeSource = readonly ProbeInput[] | Generated | ((ctx: ProbeContext) => readonly ProbeInput[]);

/** A minimum pass rate a cell must reach, independent of the snapshot. */
export interface Floor {
  readonly rate: number;
  /** Which checkpoints it applies to: the final one of each run (default) or from a step on. */
  readonly from?: 'final' | number;
  /** The suites it applies to (default: all); a floor for GPT-2 means little for a toy family. */
  readonly suites?: readonly string[];
}

export interface BehaviourDefinition {
  readonly description: string;
  readonly probes: ProbeSource | readonly ProbeSource[];
  readonly floors?: readonly Floor[];
}

export interface Behaviour extends BehaviourDefinition {
  readonly name: string;
  /** The file that defined it, filled in by the loader. */
  file?: string;
}

const REGISTER = Symbol.for('lm-behaviours.register');

/**
 * Declares a behaviour; a spec file default-exports the result. Under `vitest --project
 * behaviours` this also registers the behaviour's tests (see harness/vitest/).
 */
export function behaviour(name: string, definition: BehaviourDefinition): Behaviour {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`behaviour name "${name}" must be lower-case words joined by "-"`);
  const b: Behaviour = { name, ...definition };
  const register = (globalThis as Record<symbol, unknown>)[REGISTER] as ((b: Behaviour) => void) | undefined;
  register?.(b);
  return b;
}

export function setRegisterHook(hook: ((b: Behaviour) => void) | undefined): void {
  (globalThis as Record<symbol, unknown>)[REGISTER] = hook;
}

function isGenerated(s: ProbeSource): s is Generated {
  return typeof s === 'object' && !Array.isArray(s) && 'arbitrary' in s;
}

/** The spec file each expanded probe came from, for error messages; kept off the probe, which results record. */
const specFiles = new WeakMap<Probe, string>();

export const specFileOf = (probe: Probe): string | undefined => specFiles.get(probe);

/** Expands a behaviour's sources into probes with ids; duplicates (same content) are dropped. */
export function expandProbes(b: Behaviour, ctx: ProbeContext): Probe[] {
  const sources = Array.isArray(b.probes) && b.probes.length > 0 && !('prompt' in b.probes[0]) ? (b.probes as readonly ProbeSource[]) : [b.probes as ProbeSource];
  const seen = new Set<string>();
  const out: Probe[] = [];
  for (const source of sources) {
    // Whatever spec code throws (a string, null, a multi-line message) reaches the caller as a one-line Error.
    try {
      for (const input of inputsOf(source, ctx)) {
        const id = probeId(input);
        if (seen.has(id)) continue;
        seen.add(id);
        const probe: Probe = { ...input, id, behaviour: b.name };
        if (b.file) specFiles.set(probe, b.file);
        out.push(probe);
      }
    } catch (e) {
      throw new Error(thrownLine(e));
    }
  }
  return out;
}

function inputsOf(source: ProbeSource, ctx: ProbeContext): readonly ProbeInput[] {
  if (typeof source === 'function') return source(ctx);
  if (!isGenerated(source)) return source;
  const arb = typeof source.arbitrary === 'function' ? source.arbitrary(ctx) : source.arbitrary;
  return fc.sample(arb, { seed: source.seed, numRuns: source.count });
}
