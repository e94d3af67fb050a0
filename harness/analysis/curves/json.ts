import type { CurvesSummary } from './curves.js';

/**
 * Five significant digits: enough for losses from fp16 weights, and for re-evaluating a fit whose
 * slope is tiny but multiplied by a steep exponential; more would only churn diffs.
 */
const round = (v: number) => (Number.isInteger(v) ? v : Number(v.toPrecision(5)));

/**
 * curves.json: the summary with stable key order and rounded numbers, indented, but every object
 * or array that holds no other on one line (a run's losses, its BICs, each fit), so a token's
 * curves read as a few lines and a diff shows which curve changed.
 */
export function curvesJson(s: CurvesSummary): string {
  const text = JSON.stringify(s, (_, v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? round(v) : v), 2);
  // JSON strings cannot hold a raw newline, so every newline here is indentation.
  return `${text.replace(/[[{]\n[^[\]{}]*\n\s*[\]}]/g, (leaf) => leaf.replace(/\n\s*/g, ' ').replace(/^([[{]) /, '$1').replace(/ ([\]}])$/, '$1'))}\n`;
}
