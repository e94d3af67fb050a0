import { createHash } from 'node:crypto';
import { outcomeKey } from '../run/probe-plan.js';
import type { SuiteResults } from '../run/runner.js';
import type { ProbeRecord } from '../spec/probe.js';
import { wilson } from './wilson.js';

export interface Cell {
  passed: number;
  total: number;
  rate: number;
  low: number;
  high: number;
}

/**
 * Behaviours x (run, step) pass rates. Plain data with a fixed key order, so that its JSON is
 * stable and diffs well: behaviours sorted, runs in suite order, steps ascending.
 */
export interface PassRateMatrix {
  suite: string;
  behaviours: string[];
  runs: { name: string; steps: number[] }[];
  /**
   * Each behaviour's probe set: a hash of its probes' ids and their count. A cell that moved
   * because its probes changed is then told apart from one whose model changed.
   */
  probeSets?: Record<string, ProbeSet>;
  /** cells[behaviour][run][step] */
  cells: Record<string, Record<string, Record<string, Cell>>>;
}

export interface ProbeSet {
  hash: string;
  probes: number;
  /** For a behaviour of choice probes only: the pass rate of guessing, the mean of 1 / options. */
  chance?: number;
}

/** A probe set's identity (its ids, in any order) and, for choice probes, the rate of guessing. */
export function probeSetOf(probes: readonly Pick<ProbeRecord, 'id' | 'judge'>[]): ProbeSet {
  const ids = probes.map((p) => p.id).sort();
  const set: ProbeSet = { hash: createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 12), probes: ids.length };
  const options = probes.map((p) => (p.judge.kind === 'choice' ? p.judge.options.length : 0));
  if (options.length && options.every((n) => n > 0)) set.chance = round(options.reduce((a, n) => a + 1 / n, 0) / options.length);
  return set;
}

/** `probe set changed: 148 -> 60 probes` when a behaviour's probes differ between two matrices, else undefined. */
export function probeSetChange(before: PassRateMatrix | null | undefined, now: PassRateMatrix, behaviour: string): string | undefined {
  const a = before?.probeSets?.[behaviour];
  const b = now.probeSets?.[behaviour];
  if (!a || !b || a.hash === b.hash) return undefined;
  return `probe set changed: ${a.probes} -> ${b.probes} probes`;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export function makeCell(passed: number, total: number): Cell {
  const { low, high } = wilson(passed, total);
  return { passed, total, rate: round(total ? passed / total : 0), low: round(low), high: round(high) };
}

export function buildMatrix(results: SuiteResults): PassRateMatrix {
  const behaviours = [...results.probes.keys()].sort();
  const runs: PassRateMatrix['runs'] = [];
  for (const c of results.checkpoints) {
    let run = runs.find((r) => r.name === c.run);
    if (!run) runs.push((run = { name: c.run, steps: [] }));
    run.steps.push(c.step);
  }
  for (const r of runs) r.steps.sort((a, b) => a - b);
  const cells: PassRateMatrix['cells'] = {};
  for (const b of behaviours) {
    cells[b] = {};
    for (const r of runs) {
      cells[b][r.name] = {};
      for (const step of r.steps) {
        const c = results.checkpoints.find((x) => x.run === r.name && x.step === step)!;
        const probes = results.probes.get(b)!;
        const passed = probes.filter((p) => c.outcomes.get(outcomeKey(p))?.pass).length;
        cells[b][r.name][String(step)] = makeCell(passed, probes.length);
      }
    }
  }
  const probeSets = Object.fromEntries(behaviours.map((b) => [b, probeSetOf(results.probes.get(b)!)]));
  return { suite: results.suite, behaviours, runs, probeSets, cells };
}

export function cellAt(m: PassRateMatrix, behaviour: string, run: string, step: number): Cell | undefined {
  return m.cells[behaviour]?.[run]?.[String(step)];
}
