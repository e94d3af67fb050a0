/** What `lmb induction --out` writes: the JSON, a markdown table and the chart. */
import { writeFolder } from '../files/write-folder.js';
import { renderChart, svgToPng } from '../plot/chart.js';
import { inductionChart, type InductionChartOptions } from './induction-chart.js';
import { bestHead, inductionJson, phaseChangeText } from './induction-report.js';
import type { RunInduction } from './induction.js';

/** The files writeInduction puts in its folder. */
export const INDUCTION_FILES = ['induction.json', 'induction.md', 'induction.svg', 'induction.png'] as const;

const signed = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3);

/** induction.md: one row per step, per run the ICL score and the best head; the checkpoint after a phase change in bold. */
export function inductionMarkdown(suite: string, runs: readonly RunInduction[]): string {
  const steps = [...new Set(runs.flatMap((r) => r.checkpoints.map((c) => c.step)))].sort((a, b) => a - b);
  const cells = (r: RunInduction, step: number) => {
    const c = r.checkpoints.find((x) => x.step === step);
    if (!c) return ['', ''];
    const b = bestHead(c);
    const out = [`${signed(c.iclScore)} ± ${(1.96 * c.iclStdError).toFixed(3)}`, `${b.score.toFixed(3)} ${b.label}`];
    return r.phaseChange?.step === step ? out.map((s) => `**${s}**`) : out;
  };
  const phase = (r: RunInduction) => `- ${r.run}: ${phaseChangeText(r, '−')}`;
  return [
    `# Induction heads: ${suite}`,
    '',
    'ICL score: mean loss over a band of late tokens minus over a band of early ones (nats; lower is more in-context learning), ± its 95% interval over windows. ' +
      'Best head: the highest prefix-matching score (share of attention on the token after the previous occurrence) and which head (L1.H2: layer 1, head 2). ' +
      `A head attending uniformly to every token so far scores ${[...new Set(runs.map((r) => r.uniformPrefixMatching.toFixed(3)))].join(' / ')}.`,
    '',
    `| step | ${runs.map((r) => `${r.run} ICL | ${r.run} best head`).join(' | ')} |`,
    `|---:|${runs.map(() => '---:|---:|').join('')}`,
    ...steps.map((s) => `| ${s} | ${runs.flatMap((r) => cells(r, s)).join(' | ')} |`),
    '',
    '## Phase change',
    '',
    ...runs.map(phase),
    '',
  ].join('\n');
}

/** Writes INDUCTION_FILES to `dir`. */
export async function writeInduction(dir: string, suite: string, runs: readonly RunInduction[], chart: InductionChartOptions = {}): Promise<void> {
  const svg = await renderChart(inductionChart(suite, runs, chart));
  writeFolder(dir, {
    'induction.json': `${JSON.stringify(inductionJson(runs), null, 2)}\n`,
    'induction.md': inductionMarkdown(suite, runs),
    'induction.svg': svg,
    'induction.png': svgToPng(svg),
  });
}
