/**
 * What the emergence chart draws, read back from a suite's snapshot folder: the behaviours'
 * half-rise steps (convergence.json, written by lmb run) and each run's induction phase change
 * (induction/induction.json, written by lmb induction --out), where those files are.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Emergence } from './emergence.js';
import { readSnapshotFile } from './snapshot-file.js';

/** A run's induction phase change: between the checkpoints `from` and `step`. */
export interface PhaseChangeRow {
  run: string;
  from: number;
  step: number;
}

export interface EmergenceInputs {
  emergence: Emergence[];
  phaseChanges: PhaseChangeRow[];
  /** Runs measured for induction, with or without a phase change. */
  inductionRuns: string[];
}

const Nullable = z.number().nullable();
const ConvergenceSchema = z.object({
  emergence: z.array(z.object({ run: z.string(), behaviour: z.string(), from: z.number(), to: z.number(), step: Nullable, low: Nullable, high: Nullable, noRise: z.number() })),
});
const InductionSchema = z.object({
  runs: z.record(z.string(), z.object({ phase_change_step: Nullable, phase_change_from: Nullable.optional() })),
});

export const CONVERGENCE_FILE = 'convergence.json';
export const INDUCTION_FILE = join('induction', 'induction.json');

/** The snapshot folder's emergence rows and phase changes; a file that is absent contributes nothing. */
export function readEmergenceInputs(dir: string): EmergenceInputs {
  const convergence = readIfThere(join(dir, CONVERGENCE_FILE), ConvergenceSchema);
  const induction = readIfThere(join(dir, INDUCTION_FILE), InductionSchema);
  const runs = Object.entries(induction?.runs ?? {});
  return {
    emergence: convergence?.emergence ?? [],
    // An induction.json from before phase_change_from was written places the change at its step alone.
    phaseChanges: runs.flatMap(([run, r]) => (r.phase_change_step === null ? [] : [{ run, from: r.phase_change_from ?? r.phase_change_step, step: r.phase_change_step }])),
    inductionRuns: runs.map(([run]) => run),
  };
}

function readIfThere<T>(path: string, schema: z.ZodType<T>): T | undefined {
  return existsSync(path) ? readSnapshotFile(path, schema, 'what lmb wrote there', 'Restore it from git, or regenerate it (lmb run, lmb induction --out)') : undefined;
}
