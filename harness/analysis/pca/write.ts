import { writeFolder } from '../../files/write-folder.js';
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
  writeFolder(dir, {
    'pca.json': `${JSON.stringify(s, null, 2)}\n`,
    'pca.md': md,
    'loadings.svg': loadings,
    'loadings.png': svgToPng(loadings),
    'variance.svg': variance,
  });
  return md;
}
