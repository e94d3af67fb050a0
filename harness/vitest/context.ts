import type { FailedProbe } from '../matrix/failures.js';
import type { PassRateMatrix } from '../matrix/matrix.js';

/** What the behaviours project's global setup hands to every spec file's tests. */
export interface BehaviourRun {
  suite: string;
  /** This run's pass rates. */
  matrix: PassRateMatrix;
  /** The snapshot to compare against (already updated where -u or a missing cell asked for it). */
  snapshot: PassRateMatrix | null;
  /** Failing probes per cell, keyed `behaviour|run|step`. */
  failures: Record<string, { failed: number; sample: FailedProbe[] }>;
  /** Final step of each run, for floors. */
  finalSteps: Record<string, number>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    lmb: BehaviourRun;
  }
}

export const cellKey = (behaviour: string, run: string, step: number) => `${behaviour}|${run}|${step}`;
