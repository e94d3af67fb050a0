import { escapeXml } from '../plot/escape.js';
import type { PassRateMatrix } from './matrix.js';

/** 0 -> pale red, 1 -> deep green, through yellow. */
function colour(rate: number): string {
  const hue = Math.round(120 * rate);
  const light = Math.round(88 - 38 * rate);
  return `hsl(${hue},70%,${light}%)`;
}

/** The matrix as an SVG heatmap: one row per behaviour, one column block per run. */
export function matrixHeatmap(m: PassRateMatrix): string {
  const cw = 34;
  const ch = 22;
  const left = 170;
  const top = 56;
  const gap = 14;
  let x = left;
  const blocks = m.runs.map((r) => {
    const block = { run: r, x };
    x += r.steps.length * cw + gap;
    return block;
  });
  const width = Math.max(x + 10, 560);
  const height = top + m.behaviours.length * ch + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(m.suite)}: pass rate by behaviour, run and step</text>`,
  ];
  for (const { run, x: bx } of blocks) {
    parts.push(`<text x="${bx}" y="${top - 24}" font-weight="bold">${escapeXml(run.name)}</text>`);
    run.steps.forEach((s, i) => parts.push(`<text x="${bx + i * cw + cw / 2}" y="${top - 6}" text-anchor="middle" font-size="9">${s}</text>`));
  }
  m.behaviours.forEach((b, row) => {
    const y = top + row * ch;
    parts.push(`<text x="${left - 8}" y="${y + ch / 2 + 4}" text-anchor="end">${escapeXml(b)}</text>`);
    for (const { run, x: bx } of blocks) {
      run.steps.forEach((s, i) => {
        const c = m.cells[b]?.[run.name]?.[String(s)];
        if (!c) {
          parts.push(`<rect x="${bx + i * cw}" y="${y}" width="${cw - 1}" height="${ch - 1}" fill="#eee"><title>${escapeXml(`${b} · ${run.name} · step ${s}: not evaluated`)}</title></rect>`);
          return;
        }
        parts.push(`<rect x="${bx + i * cw}" y="${y}" width="${cw - 1}" height="${ch - 1}" fill="${colour(c.rate)}"><title>${escapeXml(`${b} · ${run.name} · step ${s}: ${c.passed}/${c.total} (${c.low}–${c.high})`)}</title></rect>`);
        parts.push(`<text x="${bx + i * cw + cw / 2}" y="${y + ch / 2 + 4}" text-anchor="middle" font-size="9">${Math.round(100 * c.rate)}</text>`);
      });
    }
  });
  parts.push(`<text x="10" y="${height - 10}" font-size="9" fill="#555">cells: % of probes passed; hover for counts and 95% Wilson interval</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}
