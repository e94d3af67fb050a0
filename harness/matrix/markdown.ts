import type { PassRateMatrix } from './matrix.js';

const pct = (x: number) => `${Math.round(100 * x)}%`;

/** The matrix as a markdown table per run: behaviours down, steps across, for PR review. */
export function matrixMarkdown(m: PassRateMatrix): string {
  const out = [`# Pass rates: ${m.suite}`, '', 'Each cell: pass rate (95% Wilson interval), over the behaviour\'s probes.', ''];
  for (const run of m.runs) {
    out.push(`## ${run.name}`, '', `| behaviour | ${run.steps.map((s) => `step ${s}`).join(' | ')} |`, `| --- |${run.steps.map(() => ' ---: |').join('')}`);
    for (const b of m.behaviours) {
      const cells = run.steps.map((s) => {
        const c = m.cells[b]?.[run.name]?.[String(s)];
        return c ? `${pct(c.rate)} (${pct(c.low)}–${pct(c.high)})` : '—';
      });
      out.push(`| ${b} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
