import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../harness/report/write.js';
import { openChromium } from '../support/chromium.js';

const DEMO = join(import.meta.dirname, '..', '..', 'snapshots', 'demo');

/** The demo snapshot's report, opened in headless Chromium; everything the page did is recorded. */
describe('the demo report in Chromium', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'lmb-report-browser-')), 'report.html');
  const { sections } = writeReport({ dir: DEMO, suite: 'demo', out });
  const url = pathToFileURL(out).href;
  const problems: string[] = [];
  const requests: string[] = [];
  let browser: Awaited<ReturnType<typeof openChromium>>;
  let page: Page;

  beforeAll(async () => {
    browser = await openChromium();
    page = browser.page;
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()} (${r.failure()?.errorText})`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
  });
  afterAll(async () => browser?.close());

  it('loads without errors and requests nothing but itself', () => {
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
  });

  it('shows a heading per section, and each section\'s SVGs drawn', async () => {
    expect(sections.map((s) => s.title)).toEqual(expect.arrayContaining(['Pass rates', 'Convergence between runs']));
    expect(await page.locator('h2').allTextContents()).toEqual(sections.map((s) => s.title));
    for (const s of sections) {
      const svgs = await page.locator(`section#${s.id} > figure > svg`).all();
      expect(svgs, s.title).toHaveLength(s.parts.filter((p) => p.kind === 'svg').length);
      for (const svg of svgs) {
        const box = await svg.boundingBox();
        expect(box!.width, s.title).toBeGreaterThan(200);
        expect(box!.height, s.title).toBeGreaterThan(100);
      }
    }
    expect(await page.locator('section#pass-rates table').count()).toBeGreaterThanOrEqual(3);
  });

  it('a full-page screenshot is not blank: much of it inked, in many colours, the charts in colour', async () => {
    const png = PNG.sync.read(await page.screenshot({ fullPage: true }));
    let inked = 0;
    let chromatic = 0;
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
      if (r < 240 || g < 240 || b < 240) inked++;
      // Text and table lines are grey; the heatmap's cells and the charts' lines are not.
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) chromatic++;
      colours.add((r << 16) | (g << 8) | b);
    }
    // The demo report measured 1280 x 12000 px, 8% inked, 8800 colours, 157,000 chromatic pixels (92,000 of them the heatmap's).
    expect(png.height).toBeGreaterThan(3000);
    expect(inked / (png.width * png.height)).toBeGreaterThan(0.04);
    expect(colours.size).toBeGreaterThan(1000);
    expect(chromatic).toBeGreaterThan(50_000);
  });
});
