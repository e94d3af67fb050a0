import { cell, tokenCell } from '../markdown-cells.js';
import type { PcaComponent, PcaSummary, PcaToken } from './analyse.js';

const num = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** Components listed in the explained-variance table; the rest are summed in one line. */
const LISTED = 10;

/** The title, what was decomposed, and the explained-variance table: also what the CLI prints. */
export function pcaOverview(s: PcaSummary): string[] {
  const runs = [...new Set(s.models.map((m) => m.run))];
  const rest = s.explained.slice(LISTED);
  return [
    `# PCA of per-token losses (${s.suite})`,
    '',
    `Corpus ${s.corpus.id} (${s.corpus.source}): ${s.tokens} tokens × ${s.models.length} checkpoints (${runs.join(', ')}; steps ${s.firstStep}–${s.lastStep})` +
      `${s.skippedTokens ? `; ${s.skippedTokens} tokens without a log-prob under every checkpoint left out` : ''}.`,
    '',
    `Each checkpoint's losses (−log p, nats) are centred, and the components are the eigenvectors of their ${s.models.length} × ${s.models.length} covariance. ` +
      `A token's score on a component is Σ loading × (its loss − that checkpoint's mean loss), in nats. Signs: ${s.signConvention}.`,
    '',
    '## Explained variance',
    '',
    '| component | variance | share | cumulative |',
    '|---:|---:|---:|---:|',
    ...s.explained.slice(0, LISTED).map((e) => `| ${e.component} | ${num(e.variance)} | ${pct(e.ratio)} | ${pct(e.cumulative)} |`),
    ...(rest.length ? [`| ${LISTED + 1}–${s.explained.length} | ${num(rest.reduce((t, e) => t + e.variance, 0))} | ${pct(rest.reduce((t, e) => t + e.ratio, 0))} | 100.0% |`] : []),
  ];
}

/** pca.md: the overview, then for each top component its loadings and the tokens at both ends. */
export function pcaMarkdown(s: PcaSummary): string {
  const lines = [...pcaOverview(s)];
  for (const c of s.components) {
    lines.push(
      '', `## Component ${c.component} (${pct(c.ratio)} of the variance)`, '',
      'Loadings by run and step:', '', ...loadingTable(s, c), '',
      `### High end: tokens with the highest scores`, '', ...tokenTable(s, c.high), '',
      `### Low end: tokens with the lowest scores`, '', ...tokenTable(s, c.low),
    );
  }
  return `${lines.join('\n')}\n`;
}

function loadingTable(s: PcaSummary, c: PcaComponent): string[] {
  const steps = [...new Set(s.models.map((m) => m.step))].sort((a, b) => a - b);
  const runs = [...new Set(s.models.map((m) => m.run))];
  const at = new Map(s.models.map((m, i) => [`${m.run}@${m.step}`, c.loadings[i]]));
  return [
    `| run | ${steps.join(' | ')} |`,
    `|---|${steps.map(() => '---:').join('|')}|`,
    ...runs.map((r) => `| ${r} | ${steps.map((step) => (at.has(`${r}@${step}`) ? num(at.get(`${r}@${step}`)!) : '')).join(' | ')} |`),
  ];
}

function tokenTable(s: PcaSummary, rows: readonly PcaToken[]): string[] {
  if (rows.length === 0) return ['(none)'];
  return [
    `| score | mean loss | loss @${s.firstStep} | loss @${s.lastStep} | context | token | doc:pos |`,
    '|---:|---:|---:|---:|---:|---|---|',
    ...rows.map((t) => `| ${num(t.score, 2)} | ${num(t.meanLoss, 2)} | ${num(t.lossFirstStep, 2)} | ${num(t.lossLastStep, 2)} | ${cell(t.context)} | ${tokenCell(t.token)} | ${t.doc}:${t.position} |`),
  ];
}
