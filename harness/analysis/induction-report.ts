/** What `lmb induction` prints: a JSON object for scripts, a table comparing runs for people. */
import chalk from 'chalk';
import { ICL_JUMP, ICL_SE_MULTIPLE, PREFIX_JUMP } from './phase-change.js';
import type { CheckpointInduction, RunInduction } from './induction.js';

export interface InductionJson {
  runs: Record<string, {
    phase_change_step: number | null;
    /** The checkpoint before the jump: the phase change lies between it and phase_change_step. */
    phase_change_from: number | null;
    /** Where the suite says its tokens per step. */
    tokens_per_step?: number;
    phase_change_tokens?: number | null;
    uniform_prefix_matching: number;
    steps: Record<string, { icl_score: number; icl_std_error: number; prefix_matching: number[][] }>;
  }>;
}

export function inductionJson(runs: readonly RunInduction[]): InductionJson {
  return {
    runs: Object.fromEntries(runs.map((r) => [r.run, {
      phase_change_step: r.phaseChange?.step ?? null,
      phase_change_from: r.phaseChange?.from ?? null,
      ...(r.tokensPerStep ? { tokens_per_step: r.tokensPerStep, phase_change_tokens: r.phaseChange ? r.phaseChange.step * r.tokensPerStep : null } : {}),
      uniform_prefix_matching: r.uniformPrefixMatching,
      steps: Object.fromEntries(r.checkpoints.map((c) => [String(c.step), { icl_score: c.iclScore, icl_std_error: c.iclStdError, prefix_matching: c.prefixMatching }])),
    }])),
  };
}

/** A token count in words: `1.05B tokens`, `524k tokens`. */
export function tokensText(n: number): string {
  const [div, unit] = n >= 1e9 ? [1e9, 'B'] : n >= 1e6 ? [1e6, 'M'] : n >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${Number((n / div).toPrecision(3))}${unit} tokens`;
}

/** `step 2000`, with the tokens seen by then where the run's suite says its tokens per step. */
export const stepText = (r: Pick<RunInduction, 'tokensPerStep'>, step: number) =>
  r.tokensPerStep ? `step ${step} (${tokensText(step * r.tokensPerStep)})` : `step ${step}`;

/** The run's phase change in one line (after its name), or why there is none. */
export function phaseChangeText(r: RunInduction, minus = '-'): string {
  const p = r.phaseChange;
  return p
    ? `phase change at ${stepText(r, p.step)} (from ${p.from}: best head +${p.prefixJump.toFixed(3)}, ICL score ${minus}${p.iclJump.toFixed(3)} nats, paired SE ${p.iclJumpStdError.toFixed(3)})`
    : `no phase change (no consecutive checkpoints where the best head rises by ${PREFIX_JUMP} and the ICL score falls by ${ICL_JUMP} nats and ${ICL_SE_MULTIPLE} paired standard errors)`;
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
  const summary = runs.map((r) => `${r.run}: ${phaseChangeText(r)}`);
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
