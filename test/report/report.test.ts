import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSections } from '../../harness/report/collect.js';
import { renderReport } from '../../harness/report/render.js';
import { SECTION_KINDS } from '../../harness/report/sections.js';
import { writeReport } from '../../harness/report/write.js';
import { caught } from '../support/errors.js';

const svg = (label: string) => `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><defs><clipPath id="clip1"><rect width="10" height="10"/></clipPath></defs><g clip-path="url(#clip1)"><text>${label}</text></g></svg>\n`;

/** A snapshot folder as `lmb run` and the analyses leave it, plus an analysis the report does not know and things it should skip. */
function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lmb-report-'));
  const files: Record<string, string> = {
    'matrix.md': '# Pass rates: fixture\n\n| behaviour | step 0 |\n| --- | ---: |\n| a<b> | 12% |\n\n<script>alert(1)</script> and <b>bold</b>\n',
    'matrix.json': '{}',
    'heatmap.svg': svg('heatmap'),
    'convergence.md': '# Convergence\n\nSee [the JSON](convergence.json) or [a site](https://example.org).\n',
    'scatter-a@1-vs-b@2/scatter.svg': svg('scatter'),
    'scatter-a@1-vs-b@2/scatter.md': '# a vs b\n\n![the scatter](scatter.svg)\n\n![elsewhere](other.png)\n',
    'scatter-a@1-vs-b@2/scatter.png': 'not shown',
    'induction/induction.md': '# Induction\n',
    'mystery/b.svg': svg('b'),
    'mystery/a.svg': svg('a'),
    'mystery/notes.md': 'notes\n',
    'mystery/data.json': '{}',
    'nothing-to-show/data.json': '{}',
    '.hidden/x.md': 'hidden\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('collectSections', () => {
  it('finds the table\'s sections in its order, then unknown folders, with each row\'s files in order', () => {
    const sections = collectSections(fixture());
    expect(sections.map((s) => [s.id, s.title, s.parts.map((p) => `${p.kind}:${p.file}`)])).toEqual([
      ['pass-rates', 'Pass rates', ['svg:heatmap.svg', 'markdown:matrix.md']],
      ['convergence-between-runs', 'Convergence between runs', ['markdown:convergence.md']],
      ['induction-heads', 'Induction heads', ['markdown:induction/induction.md']],
      ['scatter-a-1-vs-b-2', 'Scatter: a@1-vs-b@2', ['svg:scatter-a@1-vs-b@2/scatter.svg', 'markdown:scatter-a@1-vs-b@2/scatter.md']],
      ['mystery', 'mystery', ['svg:mystery/a.svg', 'svg:mystery/b.svg', 'markdown:mystery/notes.md']],
    ]);
    expect(sections[0].parts[1].text).toContain('| a<b> | 12% |');
  });

  it('a new analysis is one more row', () => {
    const kinds = [...SECTION_KINDS, { folder: 'myst*', title: 'Myst* analysis', files: ['b.svg', 'missing.md'] }];
    expect(collectSections(fixture(), kinds).at(-1)).toMatchObject({ id: 'mystery-analysis', title: 'Mystery analysis', parts: [{ file: 'mystery/b.svg' }] });
  });
});

describe('renderReport', () => {
  const html = renderReport('<demo & co>', collectSections(fixture()));

  it('escapes the suite name, markdown\'s raw HTML and table text, and runs nothing', () => {
    expect(html).toContain('<title>lmb report: &lt;demo &amp; co&gt;</title>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('<td>a&lt;b&gt;</td>');
    expect(html).not.toMatch(/<script|<b>/);
  });

  it('puts markdown headings below the section\'s and shows links as text, fetching nothing', () => {
    expect(html).toContain('<h2>Pass rates</h2>');
    expect(html).toContain('<h3>Pass rates: fixture</h3>');
    expect(html).toContain('See <span class="link">the JSON</span> or <span class="link">a site</span>.');
    expect(html).not.toMatch(/href="(?!#)|src=|https?:\/\/(?!www\.w3\.org)/);
  });

  it('leaves out an image of an SVG the section shows, and names any other', () => {
    expect(html).not.toContain('the scatter');
    expect(html).toContain('<span class="image">[image: elsewhere]</span>');
  });

  it('inlines each SVG with its own ids and a viewBox, without the XML prolog', () => {
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(4);
    const ids = svgs.map((s) => /id="([^"]+)"/.exec(s)![1]);
    expect(new Set(ids).size).toBe(4);
    for (const [i, s] of svgs.entries()) {
      expect(s).toContain(`url(#${ids[i]})`);
      expect(s).toMatch(/^<svg viewBox="0 0 200 100"/);
    }
    expect(html).not.toContain('<?xml');
  });
});

describe('writeReport', () => {
  it('writes report.html into the snapshot folder by default', () => {
    const dir = fixture();
    const { path, sections } = writeReport({ dir, suite: 'fixture' });
    expect(path).toBe(join(dir, 'report.html'));
    expect(readFileSync(path, 'utf8')).toContain('<h1>lmb report: fixture</h1>');
    expect(sections).toHaveLength(5);
  });

  it('one-line error naming the missing folder and the command that makes it', () => {
    const dir = join(tmpdir(), 'lmb-report-no-such-folder');
    const err = caught(() => writeReport({ dir, suite: 'nope' }));
    expect(err.code).toBe('SNAPSHOT_MISSING');
    expect(err.oneLine()).toBe(`no snapshot folder ${dir}. Create it with: npx lmb run --suite nope`);
  });

  it('says so when the folder holds nothing to show', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmb-report-empty-'));
    expect(caught(() => writeReport({ dir, suite: 'empty' })).code).toBe('SNAPSHOT_EMPTY');
  });
});
