import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart, svgToPng } from '../../plot/chart.js';
import type { PcaSummary } from './analyse.js';
import { loadingsChart, varianceChart } from './charts.js';
import { pcaMarkdown } from './markdown.js';

/** The files writePca puts in its folder. */
export const PCA_FILES = ['pca.json', 'pca.md', 'loadings.svg', 'loadings.png', 'variance.svg'] as const;

/** Writes PCA_FILES to `dir`; returns the markdown. */
export async function writePca(dir: string, s: PcaSummary): Promise<string> {
  const loadings = await renderChart(loadingsChart(s));
  const variance = await renderChart(varianceChart(s));
  const md = pcaMarkdown(s);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pca.json'), `${JSON.stringify(s, null, 2)}\n`);
  writeFileSync(join(dir, 'pca.md'), md);
  writeFileSync(join(dir, 'loadings.svg'), loadings);
  writeFileSync(join(dir, 'loadings.png'), svgToPng(loadings));
  writeFileSync(join(dir, 'variance.svg'), variance);
  return md;
}
