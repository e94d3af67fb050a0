import { escapeXml } from '../plot/escape.js';
import type { PassRateMatrix } from './matrix.js';

/** 0 -> pale red, 1 -> deep green, through yellow. */
function colour(rate: number): string {
  const hue = Math.round(120 * rate);
  const light = Math.round(88 - 38 * rate);
  return `hsl(${hue},70%,${light}%)`;
}

/**
 * What a behaviour's rate means nothing below: guessing for choice probes (the mean of
 * 1 / options), else the mean rate at step 0 over the runs that have it; undefined without either.
 */
export function chanceBaseline(m: PassRateMatrix, behaviour: string): { rate: number; label: string } | undefined {
  const chance = m.probeSets?.[behaviour]?.chance;
  if (chance !== undefined) return { rate: chance, label: 'guessing among the options' };
  const atZero = m.runs.flatMap((r) => (r.steps.includes(0) && m.cells[behaviour]?.[r.name]?.['0'] ? [m.cells[behaviour][r.name]['0'].rate] : []));
  if (atZero.length === 0) return undefined;
  return { rate: atZero.reduce((a, b) => a + b, 0) / atZero.length, label: `the mean at step 0 over ${atZero.length} run${atZero.length > 1 ? 's' : ''}` };
}

/** The matrix as an SVG heatmap: one row per behaviour with its chance baseline, one column block per run, a colour legend. */
export function matrixHeatmap(m: PassRateMatrix): string {
  const cw = 34;
  const ch = 22;
  const labels = 170;
  const left = labels + cw + 14;
  const top = 56;
  const gap = 14;
  let x = left;
  const blocks = m.runs.map((r) => {
    const block = { run: r, x };
    x += r.steps.length * cw + gap;
    return block;
  });
  const width = Math.max(x + 10, 560);
  const legendY = top + m.behaviours.length * ch + 12;
  const height = legendY + 46;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(m.suite)}: pass rate by behaviour, run and step</text>`,
  ];
  parts.push(`<text x="${labels + cw / 2}" y="${top - 6}" text-anchor="middle" font-size="9" font-style="italic">chance</text>`);
  for (const { run, x: bx } of blocks) {
    parts.push(`<text x="${bx}" y="${top - 24}" font-weight="bold">${escapeXml(run.name)}</text>`);
    run.steps.forEach((s, i) => parts.push(`<text x="${bx + i * cw + cw / 2}" y="${top - 6}" text-anchor="middle" font-size="9">${s}</text>`));
  }
  m.behaviours.forEach((b, row) => {
    const y = top + row * ch;
    parts.push(`<text x="${labels - 8}" y="${y + ch / 2 + 4}" text-anchor="end">${escapeXml(b)}</text>`);
    const base = chanceBaseline(m, b);
    if (base) {
      parts.push(`<rect x="${labels}" y="${y}" width="${cw - 1}" height="${ch - 1}" fill="none" stroke="#999" stroke-dasharray="2,2"><title>${escapeXml(`${b}: chance ${Math.round(100 * base.rate)}% (${base.label})`)}</title></rect>`);
      parts.push(`<text x="${labels + cw / 2}" y="${y + ch / 2 + 4}" text-anchor="middle" font-size="9" fill="#555">${Math.round(100 * base.rate)}</text>`);
    }
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
  const swatches = [0, 0.2, 0.4, 0.6, 0.8, 1];
  swatches.forEach((r, i) => {
    parts.push(`<rect x="${10 + i * cw}" y="${legendY}" width="${cw - 1}" height="10" fill="${colour(r)}"/>`);
    parts.push(`<text x="${10 + i * cw + cw / 2}" y="${legendY + 21}" text-anchor="middle" font-size="9">${100 * r}%</text>`);
  });
  parts.push(`<text x="${20 + swatches.length * cw}" y="${legendY + 9}" font-size="9" fill="#555">colour: % of probes passed; chance: guessing for choice probes, else the step-0 mean</text>`);
  parts.push(`<text x="10" y="${height - 6}" font-size="9" fill="#555">hover a cell for its counts and 95% Wilson interval</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}
