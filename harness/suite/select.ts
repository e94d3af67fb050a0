import { LmbError } from '../errors.js';
import { findRun } from './find-run.js';
import type { CheckpointRef, Run, Suite } from './suite.js';

/**
 * Which checkpoints of a run to evaluate, as typed on the CLI (`--checkpoints`) and in
 * LMB_CHECKPOINTS. Terms are joined by commas and united; the result is in step order.
 *
 *   all          every checkpoint
 *   final        the last checkpoint
 *   every:N      every N-th checkpoint by position in the run's list (not by step), starting
 *                with the first; the final checkpoint is always included
 *   log:K        K checkpoints spread evenly in log(step): always the first (step 0) and the
 *                final one, the others nearest to geometric points between the first positive
 *                step and the final step; no checkpoint is picked twice, so K ≥ the number of
 *                checkpoints gives them all
 *   1000         that exact step; a step the run lacks is an error naming the nearest ones
 *   1000-5000    the existing steps in that range, inclusive
 */
export function selectCheckpoints(run: Pick<Run, 'name' | 'checkpoints'>, selection: string): CheckpointRef[] {
  const chosen = new Set(selectSteps(run.checkpoints.map((c) => c.step), selection, `run ${run.name}`));
  return run.checkpoints.filter((c) => chosen.has(c.step));
}

/** A (run, checkpoint) pair of a suite's grid. */
export interface GridItem {
  run: Run;
  ref: CheckpointRef;
}

/**
 * A suite's selected (run, checkpoint) pairs, run by run in suite order, steps ascending: the
 * `selection` of every run, or of `runs` only (names or aliases, see findRun).
 */
export function selectGrid(suite: Suite, selection: string, runs?: readonly string[]): GridItem[] {
  const chosen = runs?.length ? new Set(runs.map((r) => findRun(suite, r))) : undefined;
  return suite.runs.filter((run) => !chosen || chosen.has(run)).flatMap((run) => selectCheckpoints(run, selection).map((ref) => ({ run, ref })));
}

/** `selectCheckpoints` on a sorted list of steps; `owner` names them in errors (e.g. `run alias`). */
export function selectSteps(steps: readonly number[], selection: string, owner = 'the run'): number[] {
  const terms = selection.split(',').map((t) => t.trim());
  if (terms.some((t) => t === '')) throw invalid(selection, 'it has an empty term');
  const chosen = new Set(terms.flatMap((term) => selectTerm(steps, term, owner)));
  return steps.filter((s) => chosen.has(s));
}

/** The forms a term may take, tried in order: a pattern and what it selects. */
const FORMS: readonly { pattern: RegExp; pick: (steps: readonly number[], m: RegExpExecArray, owner: string) => number[] }[] = [
  { pattern: /^all$/, pick: (steps) => [...steps] },
  { pattern: /^final$/, pick: (steps) => steps.slice(-1) },
  { pattern: /^every:(\d+)$/, pick: (steps, m) => everyNth(steps, positive(m[0], m[1])) },
  { pattern: /^log:(\d+)$/, pick: (steps, m) => logSpaced(steps, atLeastTwo(m[0], m[1])) },
  { pattern: /^(\d+)$/, pick: (steps, m, owner) => [exactStep(steps, Number(m[1]), owner)] },
  { pattern: /^(\d+)-(\d+)$/, pick: (steps, m, owner) => stepRange(steps, Number(m[1]), Number(m[2]), owner) },
];

function selectTerm(steps: readonly number[], term: string, owner: string): number[] {
  for (const form of FORMS) {
    const m = form.pattern.exec(term);
    if (m) return form.pick(steps, m, owner);
  }
  throw invalid(term, 'it is not a selection');
}

function everyNth(steps: readonly number[], n: number): number[] {
  return steps.filter((_, i) => i % n === 0 || i === steps.length - 1);
}

function logSpaced(steps: readonly number[], k: number): number[] {
  if (k >= steps.length) return [...steps];
  const first = steps[0];
  const last = steps[steps.length - 1];
  const from = steps.find((s) => s > 0) ?? last;
  const targets = first === 0 ? [0, ...geometric(from, last, k - 1)] : geometric(first, last, k);
  const picked: number[] = [];
  let prev = -1;
  targets.forEach((target, i) => {
    // Leave room for the targets still to come, so every pick is distinct and the last is final.
    const stop = steps.length - (targets.length - i);
    let best = prev + 1;
    for (let j = best + 1; j <= stop; j++) if (logDistance(steps[j], target) < logDistance(steps[best], target)) best = j;
    picked.push(steps[best]);
    prev = best;
  });
  return picked;
}

const geometric = (a: number, b: number, count: number) =>
  count === 1 ? [b] : Array.from({ length: count }, (_, i) => a * (b / a) ** (i / (count - 1)));

const logDistance = (step: number, target: number) =>
  step === 0 || target === 0 ? (step === target ? 0 : Infinity) : Math.abs(Math.log(step / target));

function exactStep(steps: readonly number[], step: number, owner: string): number {
  if (steps.includes(step)) return step;
  throw new LmbError('STEP_UNKNOWN', `${owner} has no checkpoint at step ${step}; nearest: ${nearest(steps, step, step)}`,
    'Pick an existing step, or a range such as 1000-5000');
}

function stepRange(steps: readonly number[], lo: number, hi: number, owner: string): number[] {
  if (lo > hi) throw invalid(`${lo}-${hi}`, 'a range goes from the lower step to the higher');
  const inside = steps.filter((s) => s >= lo && s <= hi);
  if (inside.length > 0) return inside;
  throw new LmbError('STEP_UNKNOWN', `${owner} has no checkpoint in ${lo}-${hi}; nearest: ${nearest(steps, lo, hi)}`,
    'Widen the range or pick existing steps');
}

/** The existing steps just below `lo` and just above `hi`. */
function nearest(steps: readonly number[], lo: number, hi: number): string {
  const below = steps.filter((s) => s < lo).at(-1);
  const above = steps.find((s) => s > hi);
  return [below, above].filter((s) => s !== undefined).join(', ') || 'none (the run has no checkpoints)';
}

function positive(term: string, digits: string): number {
  const n = Number(digits);
  if (n < 1) throw invalid(term, 'N must be at least 1');
  return n;
}

function atLeastTwo(term: string, digits: string): number {
  const k = Number(digits);
  if (k < 2) throw invalid(term, 'K must be at least 2 (log:K always includes the first and the final checkpoint)');
  return k;
}

const invalid = (term: string, why: string) =>
  new LmbError('SELECTION_INVALID', `checkpoint selection "${term}" is invalid: ${why}`,
    'Use all, final, every:N, log:K, steps (0,1000,400000) or ranges (1000-5000), joined by commas');
