import { cell, tokenCell } from '../markdown-cells.js';
import type { Outlier, ScatterSummary } from './scatter.js';

const num = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** scatter.md: the correlations, which token classes each checkpoint wins, and the outlier tables. */
export function scatterMarkdown(s: ScatterSummary): string {
  const { a, b } = s;
  const lines = [
    `# ${a.label} vs ${b.label} (${s.suite})`,
    '',
    `Corpus ${s.corpus.id} (${s.corpus.source}): ${s.tokens} tokens with both log-probs.`,
    '',
    `- Pearson r = ${num(s.pearson)}, Spearman ρ = ${num(s.spearman)}`,
    `- mean loss: A = ${a.label} ${num(a.meanLoss)} nats, B = ${b.label} ${num(b.meanLoss)} nats (mean log p(A) − log p(B) = ${num(s.meanDiff)})`,
    '',
    '## Token classes',
    '',
    '| class | tokens | mean A − B | A higher | better |',
    '|---|---:|---:|---:|---|',
    ...s.classes.map((c) => `| ${c.class} | ${c.count} | ${num(c.meanDiff)} | ${Number.isFinite(c.aWinShare) ? `${(100 * c.aWinShare).toFixed(1)}%` : 'n/a'} | ${c.winner === 'A' ? a.label : c.winner === 'B' ? b.label : '–'} |`),
    '',
    `## Where ${a.label} is most ahead`,
    '',
    ...outlierTable(s.outliers.aBetter),
    '',
    `## Where ${b.label} is most ahead`,
    '',
    ...outlierTable(s.outliers.bBetter),
  ];
  return `${lines.join('\n')}\n`;
}

function outlierTable(rows: readonly Outlier[]): string[] {
  if (rows.length === 0) return ['(none)'];
  return [
    '| A − B | log p A | log p B | context | token | classes | doc:pos |',
    '|---:|---:|---:|---:|---|---|---|',
    ...rows.map((o) => `| ${num(o.diff, 2)} | ${num(o.logprobA, 2)} | ${num(o.logprobB, 2)} | ${cell(o.context)} | ${tokenCell(o.token)} | ${o.classes.join(', ')} | ${o.doc}:${o.position} |`),
  ];
}
