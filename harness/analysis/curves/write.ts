import { writeFolder } from '../../files/write-folder.js';
import { renderChart, svgToPng } from '../../plot/chart.js';
import { curvesChart } from './chart-spec.js';
import type { CurvesSummary } from './curves.js';
import { curvesJson } from './json.js';
import { curvesMarkdown } from './markdown.js';

/** Writes curves.json, curves.md, curves.svg and curves.png to `dir`; returns the markdown. */
export async function writeCurves(dir: string, s: CurvesSummary): Promise<string> {
  const svg = await renderChart(curvesChart(s));
  const md = curvesMarkdown(s);
  writeFolder(dir, { 'curves.json': curvesJson(s), 'curves.md': md, 'curves.svg': svg, 'curves.png': svgToPng(svg) });
  return md;
}
