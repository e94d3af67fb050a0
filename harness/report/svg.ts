/**
 * An SVG file made fit to sit inline in the report: no XML prolog, no scripts or event handlers,
 * ids made unique to this SVG (charts reuse names such as `clip1`, and in one page the first
 * definition would win), and a viewBox so CSS can scale it down to the page width.
 */
export function inlineSvg(svg: string, idPrefix: string): string {
  const start = svg.indexOf('<svg');
  if (start < 0) throw new Error('not an SVG: no <svg> element');
  let out = svg.slice(start).trim()
    .replace(/<script\b[\s\S]*?<\/script\s*>/gi, '')
    .replace(/\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*')/gi, '')
    .replace(/\bid="([^"]+)"/g, `id="${idPrefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${idPrefix}$1)`)
    .replace(/\b(xlink:)?href="#([^"]+)"/g, `$1href="#${idPrefix}$2"`);
  const root = /^<svg\b[^>]*>/.exec(out)![0];
  if (!/\bviewBox=/.test(root)) {
    const size = (name: string) => new RegExp(`\\b${name}="([\\d.]+)(px)?"`).exec(root)?.[1];
    const [w, h] = [size('width'), size('height')];
    if (w && h) out = out.replace(/^<svg\b/, `<svg viewBox="0 0 ${w} ${h}"`);
  }
  return out;
}
