/**
 * Where a run's induction-head phase change happened, from the per-checkpoint measurements.
 *
 * For each pair of consecutive checkpoints (a, b) of a run:
 *   prefix jump = best(b) - best(a), where best is the highest prefix-matching score of any head;
 *   ICL jump    = icl(a) - icl(b), the drop of the ICL score (it goes negative as ICL improves).
 * The pair's jump is min(prefix jump / PREFIX_JUMP, ICL jump / ICL threshold): how many
 * thresholds both measures moved at once. The ICL threshold is ICL_JUMP, or ICL_SE_MULTIPLE
 * standard errors of the drop where that is more: the drop's SE from the per-window scores,
 * paired (the same windows at both checkpoints), so noise between checkpoints is no phase change. The phase change is the pair with the largest jump, reported as
 * the step of its later checkpoint b (the first checkpoint after it); ties go to the earlier
 * pair. It is null when no pair reaches 1, i.e. when no pair has the best head's score rise by
 * at least PREFIX_JUMP and the ICL score fall by at least ICL_JUMP nats, and for runs of fewer
 * than two checkpoints. The pair is judged by its checkpoints only, whatever the steps between.
 */
import { standardError } from './icl-score.js';

/** The smallest rise of the best head's prefix-matching score (a fraction of its attention) that counts. */
export const PREFIX_JUMP = 0.1;
/** The smallest fall of the ICL score (nats) that counts. */
export const ICL_JUMP = 0.05;
/** A fall of the ICL score counts only when it is at least this many of its paired standard errors. */
export const ICL_SE_MULTIPLE = 2;

export interface CheckpointPoint {
  step: number;
  iclScore: number;
  /** Per-window ICL scores, the same windows at every checkpoint (without them the threshold is ICL_JUMP). */
  iclWindows?: readonly number[];
  /** The highest prefix-matching score of any head. */
  bestPrefixMatching: number;
}

export interface PhaseChange {
  /** The step of the checkpoint after the jump. */
  step: number;
  /** The step of the checkpoint before it. */
  from: number;
  prefixJump: number;
  iclJump: number;
  /** The ICL drop's paired standard error (0 without per-window scores). */
  iclJumpStdError: number;
}

/** The standard error of b's mean minus a's, paired window by window (0 for lists of unequal length). */
export function pairedStdError(a: readonly number[], b: readonly number[]): number {
  return a.length === b.length ? standardError(a.map((x, i) => b[i] - x)) : 0;
}

export function phaseChange(points: readonly CheckpointPoint[]): PhaseChange | null {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  let best: (PhaseChange & { score: number }) | null = null;
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    const prefixJump = b.bestPrefixMatching - a.bestPrefixMatching;
    const iclJump = a.iclScore - b.iclScore;
    const iclJumpStdError = a.iclWindows && b.iclWindows ? pairedStdError(a.iclWindows, b.iclWindows) : 0;
    const score = Math.min(prefixJump / PREFIX_JUMP, iclJump / Math.max(ICL_JUMP, ICL_SE_MULTIPLE * iclJumpStdError));
    if (score >= 1 && (best === null || score > best.score)) best = { step: b.step, from: a.step, prefixJump, iclJump, iclJumpStdError, score };
  }
  if (best === null) return null;
  const { score: _, ...change } = best;
  return change;
}
