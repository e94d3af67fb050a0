/** The scatter of two checkpoints' per-token log-probs as hand-written SVG. */
import { escapeXml } from '../../plot/escape.js';

export interface ScatterSvgOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Up to this many points are drawn one by one; more become a density grid (default 4000). */
  maxPoints?: number;
  /** Bins per axis of the density grid (default 100). */
  bins?: number;
  /** Points drawn as rings with a label beside them (the outliers). */
  marked?: readonly { x: number; y: number; label: string }[];
}

const SIZE = 420;
const LEFT = 70;
const TOP = 44;
const fmt = (v: number) => String(Number(v.toFixed(6)));

/**
 * x against y over rows where both are finite, on one shared range for both axes, with the y = x
 * line: a `<circle class="point">` per pair, or beyond `maxPoints` one `<rect class="bin">` per
 * non-empty cell of a bins x bins grid, darker for higher log count, with its scale below; each
 * `marked` point a ring and its label.
 */
export function scatterSvg(x: ArrayLike<number>, y: ArrayLike<number>, opts: ScatterSvgOptions): string {
  const rows: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) rows.push(i);
  const [lo, hi] = range(rows.flatMap((i) => [x[i], y[i]]));
  const px = (v: number) => LEFT + ((v - lo) / (hi - lo)) * SIZE;
  const py = (v: number) => TOP + SIZE - ((v - lo) / (hi - lo)) * SIZE;
  const width = LEFT + SIZE + 24;
  const height = TOP + SIZE + 84;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${LEFT + SIZE / 2}" y="22" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(opts.title)}</text>`,
    `<rect x="${LEFT}" y="${TOP}" width="${SIZE}" height="${SIZE}" fill="none" stroke="#999"/>`,
  ];
  if (rows.length <= (opts.maxPoints ?? 4000)) {
    for (const i of rows) parts.push(`<circle class="point" cx="${fmt(px(x[i]))}" cy="${fmt(py(y[i]))}" r="1.8" fill="#1f5fa8" fill-opacity="0.5"/>`);
  } else {
    const bins = opts.bins ?? 100;
    const counts = new Map<number, number>();
    const bin = (v: number) => Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
    for (const i of rows) {
      const k = bin(x[i]) * bins + bin(y[i]);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const top = Math.log1p(Math.max(...counts.values()));
    const cell = fmt(SIZE / bins);
    const round = (v: number) => String(Math.round(v * 100) / 100);
    parts.push(`<g shape-rendering="crispEdges"><desc>${rows.length} pairs in ${counts.size} of ${bins}x${bins} bins; colour: log count</desc>`);
    for (const [k, n] of counts) {
      const bx = Math.floor(k / bins);
      const by = k % bins;
      // 16 shades, pale to deep blue, by log count.
      const level = Math.round((15 * Math.log1p(n)) / top);
      parts.push(`<rect class="bin" x="${round(LEFT + (bx * SIZE) / bins)}" y="${round(TOP + SIZE - ((by + 1) * SIZE) / bins)}" width="${cell}" height="${cell}" fill="${shade(level)}"/>`);
    }
    parts.push('</g>');
    // The scale: 16 shades from 1 token per bin to the fullest bin's count, on a log scale.
    const y0 = TOP + SIZE + 50;
    parts.push(`<g class="legend"><text x="${LEFT + 16 * 12 + 8}" y="${y0 + 9}">tokens per bin (log scale)</text>`);
    for (let level = 0; level < 16; level++) parts.push(`<rect x="${LEFT + level * 12}" y="${y0}" width="12" height="10" fill="${shade(level)}"/>`);
    parts.push(`<text x="${LEFT}" y="${y0 + 22}">1</text>`, `<text x="${LEFT + 16 * 12}" y="${y0 + 22}" text-anchor="end">${Math.round(Math.expm1(top))}</text></g>`);
  }
  for (const m of opts.marked ?? []) {
    if (!Number.isFinite(m.x) || !Number.isFinite(m.y)) continue;
    parts.push(`<circle class="outlier" cx="${fmt(px(m.x))}" cy="${fmt(py(m.y))}" r="4" fill="none" stroke="#d35400" stroke-width="1.5"/>`);
    const right = px(m.x) < LEFT + SIZE * 0.7;
    parts.push(`<text class="outlier-label" x="${fmt(px(m.x) + (right ? 6 : -6))}" y="${fmt(py(m.y) + 3)}" text-anchor="${right ? 'start' : 'end'}" font-size="9" fill="#a04000">${escapeXml(m.label)}</text>`);
  }
  parts.push(`<line class="diagonal" x1="${px(lo)}" y1="${py(lo)}" x2="${px(hi)}" y2="${py(hi)}" stroke="#c0392b" stroke-dasharray="4 3"/>`);
  for (const t of ticks(lo, hi)) {
    parts.push(
      `<line x1="${fmt(px(t))}" y1="${TOP + SIZE}" x2="${fmt(px(t))}" y2="${TOP + SIZE + 5}" stroke="#333"/>`,
      `<text x="${fmt(px(t))}" y="${TOP + SIZE + 17}" text-anchor="middle">${fmt(t)}</text>`,
      `<line x1="${LEFT - 5}" y1="${fmt(py(t))}" x2="${LEFT}" y2="${fmt(py(t))}" stroke="#333"/>`,
      `<text x="${LEFT - 8}" y="${fmt(py(t) + 4)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${LEFT + SIZE / 2}" y="${TOP + SIZE + 38}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`,
    `<text transform="translate(18 ${TOP + SIZE / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

const shade = (level: number) => `hsl(215,70%,${90 - 4 * level}%)`;

/** The shared axis range: min and max of the values, widened if they are all equal. */
function range(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/** About five round tick values (steps of 1, 2 or 5 times a power of ten) inside [lo, hi]. */
export function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toFixed(10)));
  return out;
}
