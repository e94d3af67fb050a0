/**
 * A family's checkpoints checked against themselves: runs holding the same weights under two
 * steps (Pythia's step0 and step1), a checkpoint that behaves like another part of training than
 * its step says (CRFM arwen's checkpoint-10), and steps a run lacks that others have.
 */
import { readFileSync } from 'node:fs';
import type { LoadOptions } from '../model/load.js';
import { CheckpointKeys } from '../run/checkpoint-key.js';
import { walkGrid } from '../run/walk.js';
import { Scorer } from '../score/scorer.js';
import type { GridItem } from '../suite/select.js';
import type { Suite } from '../suite/suite.js';
import { textWindows } from './icl-score.js';
import { OPENWEBTEXT_SAMPLE } from './induction.js';

/** Audit text: this many windows of WINDOW tokens (fewer tokens when the context is shorter). */
const WINDOWS = 4;
const WINDOW = 128;
/**
 * A checkpoint is misplaced when some checkpoint two or more places away is this many times
 * closer to it, in per-token log-probs, than its nearer neighbour.
 */
export const MISPLACED_RATIO = 2;

export interface Duplicate {
  run: string;
  /** Steps whose weight files are byte for byte the same. */
  steps: number[];
  sha256: string;
}

export interface Misplaced {
  run: string;
  step: number;
  /** The step it resembles most, and its mean |Δ log-prob| per token to it. */
  resembles: number;
  distance: number;
  /** Its nearer neighbour in step order, and the distance to it. */
  neighbour: number;
  neighbourDistance: number;
}

export interface Audit {
  suite: string;
  checkpoints: number;
  duplicates: Duplicate[];
  misplaced: Misplaced[];
  /** Steps other runs of the selection have and this one lacks. */
  missing: { run: string; steps: number[] }[];
}

export interface AuditOptions {
  suite: Suite;
  grid: readonly GridItem[];
  cacheDir: string;
  model?: Omit<LoadOptions, 'configOverrides' | 'attentions' | 'cache'>;
  evict?: boolean;
  onCheckpoint?: (label: string, done: number, total: number) => void;
}

/** What the audit knows of one checkpoint: its weight file's sha256 and its log-probs on the audit text. */
export interface MeasuredCheckpoint {
  run: string;
  step: number;
  sha256: string;
  logprobs: Float32Array;
}

export async function auditSuite(opts: AuditOptions): Promise<Audit> {
  let windows: number[][] | undefined;
  const measured = await walkGrid({ grid: opts.grid, suite: opts.suite.name, keys: new CheckpointKeys(opts.cacheDir), model: opts.model, evict: opts.evict }, async (c): Promise<MeasuredCheckpoint> => {
    opts.onCheckpoint?.(`${c.run.name} @ step ${c.ref.step}`, c.index, c.total);
    const model = await c.model();
    windows ??= textWindows(c.tokenizer.encode(readFileSync(OPENWEBTEXT_SAMPLE, 'utf8')), WINDOWS, Math.min(WINDOW, model.contextLength), c.tokenizer.bosId);
    const scores = await new Scorer(model).score(windows);
    return { run: c.run.name, step: c.ref.step, sha256: c.weightsSha256, logprobs: Float32Array.from(scores.flatMap((s) => [...s.logprobs.subarray(1)])) };
  });
  return auditOf(opts.suite.name, measured);
}

/** The audit of measured checkpoints: duplicates, misplaced checkpoints, missing steps. */
export function auditOf(suite: string, measured: readonly MeasuredCheckpoint[]): Audit {
  const runs = [...new Set(measured.map((m) => m.run))];
  const allSteps = [...new Set(measured.map((m) => m.step))].sort((a, b) => a - b);
  const duplicates: Duplicate[] = [];
  const misplaced: Misplaced[] = [];
  const missing: Audit['missing'] = [];
  for (const run of runs) {
    const mine = measured.filter((m) => m.run === run).sort((a, b) => a.step - b.step);
    const byHash = new Map<string, number[]>();
    for (const m of mine) byHash.set(m.sha256, [...(byHash.get(m.sha256) ?? []), m.step]);
    for (const [sha256, steps] of byHash) if (steps.length > 1) duplicates.push({ run, steps, sha256 });
    mine.forEach((m, i) => {
      const near = [mine[i - 1], mine[i + 1]].filter((n) => n !== undefined).map((n) => ({ n, d: distance(m, n) }));
      const far = mine.filter((_, j) => Math.abs(j - i) >= 2 && mine[j].sha256 !== m.sha256).map((n) => ({ n, d: distance(m, n) }));
      if (near.length === 0 || far.length === 0) return;
      const neighbour = near.reduce((a, b) => (b.d < a.d ? b : a));
      const closest = far.reduce((a, b) => (b.d < a.d ? b : a));
      if (closest.d * MISPLACED_RATIO < neighbour.d) {
        misplaced.push({ run, step: m.step, resembles: closest.n.step, distance: round(closest.d), neighbour: neighbour.n.step, neighbourDistance: round(neighbour.d) });
      }
    });
    const lacking = allSteps.filter((s) => !mine.some((m) => m.step === s));
    if (lacking.length) missing.push({ run, steps: lacking });
  }
  return { suite, checkpoints: measured.length, duplicates, misplaced, missing };
}

/** Mean |Δ log-prob| per token. */
function distance(a: MeasuredCheckpoint, b: MeasuredCheckpoint): number {
  let sum = 0;
  for (let t = 0; t < a.logprobs.length; t++) sum += Math.abs(a.logprobs[t] - b.logprobs[t]);
  return sum / a.logprobs.length;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** audit.md: one table per finding, or a line saying there is none. */
export function auditMarkdown(a: Audit): string {
  const out = [`# Checkpoint audit: ${a.suite}`, '', `${a.checkpoints} checkpoints: weight files compared by sha256; behaviour compared by per-token log-probs on ${WINDOWS} windows of the bundled OpenWebText sample.`, ''];
  out.push('## Identical weights', '');
  if (a.duplicates.length === 0) out.push('No run holds the same weights under two steps.', '');
  else {
    out.push('| run | steps | sha256 |', '| --- | --- | --- |', ...a.duplicates.map((d) => `| ${d.run} | ${d.steps.join(', ')} | ${d.sha256.slice(0, 12)} |`), '');
  }
  out.push('## Checkpoints that resemble another part of training', '',
    `A checkpoint whose per-token log-probs lie at least ${MISPLACED_RATIO}× closer to a checkpoint two or more places away than to its nearer neighbour (mean |Δ log-prob| per token).`, '');
  if (a.misplaced.length === 0) out.push('None.', '');
  else {
    out.push('| run | step | resembles step | distance | nearer neighbour | distance |', '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...a.misplaced.map((m) => `| ${m.run} | ${m.step} | ${m.resembles} | ${m.distance.toFixed(4)} | ${m.neighbour} | ${m.neighbourDistance.toFixed(4)} |`), '');
  }
  out.push('## Missing steps', '');
  if (a.missing.length === 0) out.push('Every run has every step of the selection.', '');
  else out.push('| run | steps other runs have |', '| --- | --- |', ...a.missing.map((m) => `| ${m.run} | ${m.steps.join(', ')} |`), '');
  return out.join('\n');
}
