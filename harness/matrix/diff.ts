import { probeSetChange, type Cell, type PassRateMatrix } from './matrix.js';

export interface CellChange {
  behaviour: string;
  run: string;
  step: number;
  before?: Cell;
  after?: Cell;
  /** `probe set changed: 148 -> 60 probes` when the behaviour's probes differ: the cell moved with them. */
  probeSet?: string;
}

const outside = (rate: number, c: Cell) => rate < c.low || rate > c.high;

/**
 * Cells that moved between two matrices: each rate outside the other's 95% interval, or a
 * cell present in only one of them.
 */
export function diffMatrices(base: PassRateMatrix, head: PassRateMatrix): CellChange[] {
  const keys = new Set<string>();
  const collect = (m: PassRateMatrix) => {
    for (const [b, runs] of Object.entries(m.cells)) for (const [r, steps] of Object.entries(runs)) for (const s of Object.keys(steps)) keys.add(JSON.stringify([b, r, Number(s)]));
  };
  collect(base);
  collect(head);
  const changes: CellChange[] = [];
  for (const key of keys) {
    const [behaviour, run, step] = JSON.parse(key) as [string, string, number];
    const before = base.cells[behaviour]?.[run]?.[String(step)];
    const after = head.cells[behaviour]?.[run]?.[String(step)];
    if (before && after && !outside(after.rate, before) && !outside(before.rate, after)) continue;
    const probeSet = probeSetChange(base, head, behaviour);
    changes.push({ behaviour, run, step, before, after, ...(probeSet ? { probeSet } : {}) });
  }
  return changes.sort((a, b) => a.behaviour.localeCompare(b.behaviour) || a.run.localeCompare(b.run) || a.step - b.step);
}

const show = (c?: Cell) => (c ? `${(100 * c.rate).toFixed(0)}% (${c.passed}/${c.total})` : '—');

/** A markdown table fit for a pull-request comment. */
export function diffMarkdown(changes: readonly CellChange[], title = 'Behaviour pass rates that moved'): string {
  if (changes.length === 0) return `### ${title}\n\nNo cell left its 95% interval.\n`;
  const rows = changes.map((c) => {
    const delta = c.before && c.after ? `${c.after.rate > c.before.rate ? '▲' : '▼'} ${(100 * (c.after.rate - c.before.rate)).toFixed(0)} pts` : c.after ? 'new' : 'removed';
    return `| ${c.behaviour} | ${c.run} | ${c.step} | ${show(c.before)} | ${show(c.after)} | ${delta}${c.probeSet ? ` (${c.probeSet})` : ''} |`;
  });
  return [`### ${title}`, '', `${changes.length} cell${changes.length === 1 ? '' : 's'} moved outside the 95% interval.`, '',
    '| behaviour | run | step | before | after | change |', '| --- | --- | ---: | ---: | ---: | --- |', ...rows, ''].join('\n');
}
