import { LmbError } from '../../errors.js';
import { findRun } from '../../suite/find-run.js';
import type { CheckpointRef, Run, Suite } from '../../suite/suite.js';

/** A checkpoint named on the command line. */
export interface PickedCheckpoint {
  run: Run;
  ref: CheckpointRef;
  /** `run@step`, with `final` resolved to the step. */
  label: string;
}

/** `run@step` or `run@final` (the run's last checkpoint); the run by name or alias. */
export function pickCheckpoint(suite: Suite, spec: string): PickedCheckpoint {
  const at = spec.lastIndexOf('@');
  if (at <= 0 || at === spec.length - 1) {
    throw new LmbError('CHECKPOINT_INVALID', `"${spec}" does not name a checkpoint as run@step`, `e.g. ${suite.runs[0]?.name ?? 'seed-1'}@final or ${suite.runs[0]?.name ?? 'seed-1'}@${suite.runs[0]?.checkpoints.at(-1)?.step ?? 4000}`);
  }
  const run = findRun(suite, spec.slice(0, at));
  const stepText = spec.slice(at + 1).trim().toLowerCase();
  const ref = stepText === 'final' ? run.checkpoints.at(-1) : run.checkpoints.find((c) => String(c.step) === stepText);
  if (!ref) {
    const steps = run.checkpoints.map((c) => c.step);
    const shown = steps.length > 12 ? `${steps.slice(0, 6).join(', ')}, ..., ${steps.slice(-3).join(', ')}` : steps.join(', ');
    throw new LmbError('STEP_UNKNOWN', `run ${run.name} of suite ${suite.name} has no checkpoint at step "${spec.slice(at + 1)}"`, `Use one of: ${shown || 'none'}, or final`);
  }
  return { run, ref, label: `${run.name}@${ref.step}` };
}
