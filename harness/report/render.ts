import { posix } from 'node:path';
import type { ReportPart, ReportSection } from './collect.js';
import { escapeXml } from '../plot/escape.js';
import { markdownHtml } from './markdown.js';
import { inlineSvg } from './svg.js';

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 1200px; padding: 0 24px 48px; }
h1 { margin: 24px 0 4px; } h2 { margin-top: 40px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
nav ul { padding-left: 20px; columns: 2; } a { color: #1f5fa8; }
figure { margin: 16px 0; overflow-x: auto; } figure svg { max-width: 100%; height: auto; }
figcaption, .file { color: #777; font-size: 12px; }
table { border-collapse: collapse; display: block; overflow-x: auto; font-size: 13px; margin: 8px 0 16px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; white-space: nowrap; } th { background: #f4f4f4; } tr:nth-child(even) td { background: #fafafa; }
code { background: #f4f4f4; padding: 0 3px; border-radius: 3px; }
`;

/** The whole report as one HTML page: a contents list, then each section's SVGs inline and markdown rendered. */
export function renderReport(suite: string, sections: readonly ReportSection[]): string {
  let svgs = 0;
  const part = (s: ReportSection, p: ReportPart) => {
    if (p.kind === 'svg') {
      return `<figure>${inlineSvg(p.text, `svg${++svgs}-`)}<figcaption>${escapeXml(p.file)}</figcaption></figure>`;
    }
    const shown = (href: string) => s.parts.some((q) => q.kind === 'svg' && q.file === posix.normalize(posix.join(s.folder, href)));
    return `<div class="markdown"><p class="file">${escapeXml(p.file)}</p>\n${markdownHtml(p.text, { headingOffset: 2, shown })}</div>`;
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(`lmb report: ${suite}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeXml(`lmb report: ${suite}`)}</h1>
<p>Every file of the suite's snapshot folder that the report knows how to show; the grey captions name them.</p>
<nav><ul>
${sections.map((s) => `<li><a href="#${s.id}">${escapeXml(s.title)}</a></li>`).join('\n')}
</ul></nav>
${sections.map((s) => `<section id="${s.id}">\n<h2>${escapeXml(s.title)}</h2>\n${s.parts.map((p) => part(s, p)).join('\n')}\n</section>`).join('\n')}
</body>
</html>
`;
}
