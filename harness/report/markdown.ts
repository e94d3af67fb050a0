import { Marked } from 'marked';
import { escapeXml } from '../plot/escape.js';

export interface MarkdownOptions {
  /** Added to every heading level, so a file's `#` sits below the section's heading. */
  headingOffset: number;
  /** Whether the report already shows the file an image points to (relative to the markdown file). */
  shown: (href: string) => boolean;
}

/**
 * Markdown as HTML that fetches nothing and runs nothing: raw HTML is shown as text, links as
 * their text, and an image is left out when the report shows its file anyway, else named.
 */
export function markdownHtml(md: string, opts: MarkdownOptions): string {
  const marked = new Marked({
    gfm: true,
    renderer: {
      html: ({ text }) => escapeXml(text),
      heading({ tokens, depth }) {
        const level = Math.min(6, depth + opts.headingOffset);
        return `<h${level}>${this.parser.parseInline(tokens)}</h${level}>\n`;
      },
      link({ tokens }) {
        return `<span class="link">${this.parser.parseInline(tokens)}</span>`;
      },
      image: ({ href, text }) => (opts.shown(href) ? '' : `<span class="image">[image: ${escapeXml(text || href)}]</span>`),
    },
  });
  return marked.parse(md, { async: false });
}
