import { describe, expect, it } from 'vitest';
import { renderChart, svgToPng } from '../../harness/plot/chart.js';

describe('renderChart', () => {
  it('draws one line per series, its points where the data puts them', async () => {
    const svg = await renderChart({
      width: 200,
      height: 100,
      data: { values: [{ x: 0, y: 0, s: 'a' }, { x: 10, y: 10, s: 'a' }, { x: 0, y: 10, s: 'b' }, { x: 10, y: 0, s: 'b' }] },
      mark: 'line',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color: { field: 's', type: 'nominal' } },
    });
    const paths = [...svg.matchAll(/<path[^>]*aria-roledescription="line mark"[^>]*d="([^"]+)"/g)].map((m) => m[1]);
    expect(paths).toEqual(['M0,100L200,0', 'M0,0L200,100']);
  });

  it('refuses data it would have to fetch', async () => {
    await expect(renderChart({ data: { url: 'http://127.0.0.1:9/data.json' }, mark: 'point' })).rejects.toThrow(/inline data only/);
  });

  it('renders to a PNG', async () => {
    const png = svgToPng(await renderChart({ data: { values: [{ x: 1 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } }));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });
});
