import { safeName } from '../../files/safe-name.js';
import { writeFolder } from '../../files/write-folder.js';
import { svgToPng } from '../../plot/chart.js';
import { scatterMarkdown } from './markdown.js';
import type { ScatterResult } from './scatter.js';
import { scatterSvg } from './svg.js';


/** Outliers labelled on the plot each way. */
const MARKED = 5;

/** The folder a scatter goes to under a suite's snapshots: `scatter-<A>-vs-<B>`. */
export const scatterFolder = (a: string, b: string) => `scatter-${safeName(a)}-vs-${safeName(b)}`;

/** Writes scatter.svg, scatter.png, scatter.json and scatter.md to `dir`; returns the markdown. */
export function writeScatter(dir: string, r: ScatterResult): string {
  const s = r.summary;
  const svg = scatterSvg(r.logprobsA, r.logprobsB, {
    title: `${s.suite}: ${s.a.label} vs ${s.b.label}  (r = ${s.pearson.toFixed(3)}, ρ = ${s.spearman.toFixed(3)})`,
    xLabel: `log p under ${s.a.label} (nats)`,
    yLabel: `log p under ${s.b.label} (nats)`,
    // The tokens the markdown lists first, each way, labelled where they lie.
    marked: [...s.outliers.aBetter.slice(0, MARKED), ...s.outliers.bBetter.slice(0, MARKED)]
      .map((o) => ({ x: o.logprobA, y: o.logprobB, label: `${JSON.stringify(o.token)} ${o.doc}:${o.position}` })),
  });
  const md = scatterMarkdown(s);
  writeFolder(dir, { 'scatter.svg': svg, 'scatter.png': svgToPng(svg), 'scatter.json': `${JSON.stringify(s, null, 2)}\n`, 'scatter.md': md });
  return md;
}
