/**
 * Runs in its own process: every shipped behaviour on one GPT-2 small-shaped checkpoint, with a
 * fresh answer cache so every request is computed. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProject } from '../harness/project.js';
import { evaluateSuite } from '../harness/run/runner.js';
import { loadBehaviours } from '../harness/spec/load.js';

const dir = process.argv[2];
const cacheDir = mkdtempSync(join(tmpdir(), 'lmb-bench-cache-'));
try {
  const behaviours = await loadBehaviours(findProject().behavioursDir);
  const run = { name: 'random', checkpoints: [{ step: 0, name: 'checkpoint-0', fetch: async () => dir }] };
  const suite = { name: 'bench', runs: [run] };
  const start = performance.now();
  const results = await evaluateSuite({ suite, grid: [{ run, ref: run.checkpoints[0] }], behaviours, cacheDir, model: { device: 'cpu' } });
  const seconds = (performance.now() - start) / 1000;
  const probes = [...results.probes.values()].reduce((a, p) => a + p.length, 0);
  console.log(JSON.stringify({ probes, behaviours: behaviours.length, seconds, probesPerSecond: probes / seconds }));
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
