/**
 * docs/img/report.png, the README's picture of the HTML report: the demo suite's report, built
 * from snapshots/demo/ into a temporary file, its first screen in headless Chromium.
 *
 *   node --import tsx tools/screenshot-report.ts
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport } from '../harness/report/write.js';
import { openChromium } from '../test/support/chromium.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'docs', 'img', 'report.png');

const tmp = mkdtempSync(join(tmpdir(), 'lmb-screenshot-'));
const { path } = writeReport({ dir: join(ROOT, 'snapshots', 'demo'), suite: 'demo', out: join(tmp, 'report.html') });
const browser = await openChromium({ width: 1280, height: 1000 });
try {
  const { page } = browser;
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
  await page.screenshot({ path: OUT });
  process.stdout.write(`wrote ${OUT}\n`);
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
