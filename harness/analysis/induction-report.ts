/** What `lmb induction` prints: a JSON object for scripts, a table comparing runs for people. */
import chalk from 'chalk';
import { ICL_JUMP, ICL_SE_MULTIPLE, PREFIX_JUMP } from './phase-change.js';
import type { CheckpointInduction, RunInduction } from './induction.js';

export interface InductionJson {
  runs: Record<string, {
    phase_change_step: number | null;
    uniform_prefix_matching: number;
    steps: Record<string, { icl_score: number; icl_std_error: number; prefix_matching: number[][] }>;
  }>;
}

export function inductionJson(runs: readonly RunInduction[]): InductionJson {
  return {
    runs: Object.fromEntries(runs.map((r) => [r.run, {
      phase_change_step: r.phaseChange?.step ?? null,
      uniform_prefix_matching: r.uniformPrefixMatching,
      steps: Object.fromEntries(r.checkpoints.map((c) => [String(c.step), { icl_score: c.iclScore, icl_std_error: c.iclStdError, prefix_matching: c.prefixMatching }])),
    }])),
  };
}

/** The head with the highest prefix-matching score, as `L<layer>.H<head>`. */
export function bestHead(c: CheckpointInduction): { label: string; score: number } {
  let best = { label: '-', score: -Infinity };
  c.prefixMatching.forEach((heads, l) => heads.forEach((s, h) => {
    if (s > best.score) best = { label: `L${l}.H${h}`, score: s };
  }));
  return best;
}

/**
 * One row per step, one column per run: the ICL score (nats) and the best head with its
 * prefix-matching score; the row after the jump is marked, and a last line per run says where
 * the phase change is.
 */
export function inductionTable(runs: readonly RunInduction[]): string {
  const steps = [...new Set(runs.flatMap((r) => r.checkpoints.map((c) => c.step)))].sort((a, b) => a - b);
  const cell = (r: RunInduction, step: number) => {
    const c = r.checkpoints.find((x) => x.step === step);
    if (!c) return { text: '', plain: '' };
    const b = bestHead(c);
    const plain = `${fmt(c.iclScore)}  ${b.score.toFixed(3)} ${b.label}`;
    const marked = r.phaseChange?.step === step;
    return { text: marked ? chalk.bold.yellow(`${plain} *`) : plain, plain: marked ? `${plain} *` : plain };
  };
  const header = ['step', ...runs.map((r) => r.run)];
  const sub = ['', ...runs.map(() => 'ICL  best prefix-match head')];
  const body = steps.map((s) => [{ text: String(s), plain: String(s) }, ...runs.map((r) => cell(r, s))]);
  const widths = header.map((h, i) => Math.max(h.length, sub[i].length, ...body.map((row) => row[i].plain.length)));
  const line = (cells: { text: string; plain: string }[]) =>
    cells.map((c, i) => (i === 0 ? ' '.repeat(widths[i] - c.plain.length) + c.text : c.text + ' '.repeat(widths[i] - c.plain.length))).join('   ');
  const plainRow = (xs: string[]) => line(xs.map((x) => ({ text: x, plain: x })));
  const summary = runs.map((r) => r.phaseChange
    ? `${r.run}: phase change at step ${r.phaseChange.step} (from ${r.phaseChange.from}: best head +${r.phaseChange.prefixJump.toFixed(3)}, ICL score -${r.phaseChange.iclJump.toFixed(3)} nats, paired SE ${r.phaseChange.iclJumpStdError.toFixed(3)})`
    : `${r.run}: no phase change (no consecutive checkpoints where the best head rises by ${PREFIX_JUMP} and the ICL score falls by ${ICL_JUMP} nats and ${ICL_SE_MULTIPLE} paired standard errors)`);
  return [
    chalk.bold(plainRow(header)),
    chalk.dim(plainRow(sub)),
    ...body.map(line),
    '',
    'ICL score: loss at a late token minus loss at an early one (nats; lower is more in-context learning).',
    ...summary,
  ].join('\n');
}

const fmt = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3);
