import type { PassRateMatrix } from './matrix.js';

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
  return { suite: top.suite, behaviours, runs, cells };
}

/** The matrix restricted to `behaviours`. */
export function onlyBehaviours(m: PassRateMatrix, behaviours: readonly string[]): PassRateMatrix {
  const keep = m.behaviours.filter((b) => behaviours.includes(b));
  return { ...m, behaviours: keep, cells: Object.fromEntries(keep.map((b) => [b, m.cells[b]])) };
}
