import { probeSetChange, type PassRateMatrix } from './matrix.js';

/**
 * Overlays `top` on `base`: every cell of either, `top`'s where both have one. Runs keep
 * `base`'s order with new ones after; steps ascend. Returns a new matrix.
 */
export function mergeMatrices(base: PassRateMatrix | undefined, top: PassRateMatrix): PassRateMatrix {
  if (!base) return top;
  const runs = base.runs.map((r) => ({ name: r.name, steps: [...r.steps] }));
  for (const r of top.runs) {
    const into = runs.find((x) => x.name === r.name);
    if (!into) runs.push({ name: r.name, steps: [...r.steps] });
    else for (const s of r.steps) if (!into.steps.includes(s)) into.steps.push(s);
  }
  for (const r of runs) r.steps.sort((a, b) => a - b);
  const behaviours = [...new Set([...base.behaviours, ...top.behaviours])].sort();
  const cells: PassRateMatrix['cells'] = {};
  for (const b of behaviours) {
    cells[b] = {};
    for (const r of runs) {
      const row: Record<string, PassRateMatrix['cells'][string][string][string]> = {};
      for (const s of r.steps) {
        const c = top.cells[b]?.[r.name]?.[String(s)] ?? base.cells[b]?.[r.name]?.[String(s)];
        if (c) row[String(s)] = c;
      }
      cells[b][r.name] = row;
    }
  }
  const probeSets = base.probeSets || top.probeSets ? { ...base.probeSets, ...top.probeSets } : undefined;
  return { suite: top.suite, behaviours, runs, ...(probeSets ? { probeSets: sortedKeys(probeSets) } : {}), cells };
}

/** The matrix restricted to `behaviours`. */
export function onlyBehaviours(m: PassRateMatrix, behaviours: readonly string[]): PassRateMatrix {
  const keep = m.behaviours.filter((b) => behaviours.includes(b));
  const probeSets = m.probeSets && Object.fromEntries(keep.filter((b) => m.probeSets![b]).map((b) => [b, m.probeSets![b]]));
  return { ...m, behaviours: keep, ...(probeSets ? { probeSets } : {}), cells: Object.fromEntries(keep.map((b) => [b, m.cells[b]])) };
}

/**
 * `top` laid over the committed `base` for a run that computed only some cells: every other
 * committed cell is kept, except those of a behaviour whose probe set `top` changed (they were
 * computed with other probes; keeping them would mix two probe sets in one row).
 */
export function overlayCells(base: PassRateMatrix | undefined, top: PassRateMatrix): { matrix: PassRateMatrix; dropped: { behaviour: string; change: string; cells: number }[] } {
  if (!base) return { matrix: top, dropped: [] };
  const dropped: { behaviour: string; change: string; cells: number }[] = [];
  const cells = { ...base.cells };
  for (const b of top.behaviours) {
    const change = probeSetChange(base, top, b) ?? totalsChange(base, top, b);
    if (!change || !cells[b]) continue;
    const stale = Object.entries(cells[b]).reduce((n, [run, steps]) => n + Object.keys(steps).filter((s) => !top.cells[b]?.[run]?.[s]).length, 0);
    delete cells[b];
    if (stale > 0) dropped.push({ behaviour: b, change, cells: stale });
  }
  return { matrix: mergeMatrices({ ...base, cells }, top), dropped };
}

const sortedKeys = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * For a snapshot written before matrices recorded probe sets: a behaviour whose committed cells
 * count other totals than its probes now had another probe set.
 */
function totalsChange(base: PassRateMatrix, top: PassRateMatrix, b: string): string | undefined {
  const now = top.probeSets?.[b]?.probes;
  if (base.probeSets?.[b] || now === undefined) return undefined;
  const totals = new Set(Object.values(base.cells[b] ?? {}).flatMap((steps) => Object.values(steps).map((c) => c.total)));
  const other = [...totals].find((t) => t !== now);
  return other === undefined ? undefined : `probe set changed: ${other} -> ${now} probes`;
}
