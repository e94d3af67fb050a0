import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

/** Renders a Vega-Lite chart to SVG without a browser. Data must be inline (`data.values`), so a chart never reaches the network. */
export async function renderChart(spec: ChartSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const fetched = compiled.data?.find((d) => 'url' in d);
  if (fetched) throw new Error(`charts take inline data only, not ${(fetched as { url: unknown }).url}`);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** An SVG rendered to PNG with the system's fonts. */
export const svgToPng = (svg: string): Buffer => new Resvg(svg, { font: { loadSystemFonts: true } }).render().asPng();

/** Axis labels for token counts: 41k, 8.19M, 6.55B (d3's SI prefix G read as billions, as papers count tokens). */
export const TOKEN_COUNT_LABELS = "replace(format(datum.value, '.3~s'), 'G', 'B')";
