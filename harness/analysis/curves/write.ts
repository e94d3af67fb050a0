import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart, svgToPng } from '../../plot/chart.js';
import { curvesChart } from './chart-spec.js';
import type { CurvesSummary } from './curves.js';
import { curvesJson } from './json.js';
import { curvesMarkdown } from './markdown.js';

/** Writes curves.json, curves.md, curves.svg and curves.png to `dir`; returns the markdown. */
export async function writeCurves(dir: string, s: CurvesSummary): Promise<string> {
  const svg = await renderChart(curvesChart(s));
  const md = curvesMarkdown(s);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'curves.json'), curvesJson(s));
  writeFileSync(join(dir, 'curves.md'), md);
  writeFileSync(join(dir, 'curves.svg'), svg);
  writeFileSync(join(dir, 'curves.png'), svgToPng(svg));
  return md;
}
