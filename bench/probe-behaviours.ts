/**
 * Runs in its own process: every shipped behaviour on one GPT-2 small-shaped checkpoint, with a
 * fresh result cache so every probe is computed. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultCache } from '../harness/run/result-cache.js';
import { evaluateSuite } from '../harness/run/runner.js';
import { defaultBehaviourDir, loadBehaviours } from '../harness/spec/load.js';

const dir = process.argv[2];
const cacheDir = mkdtempSync(join(tmpdir(), 'lmb-bench-cache-'));
try {
  const behaviours = await loadBehaviours(defaultBehaviourDir());
  const suite = { name: 'bench', runs: [{ name: 'random', checkpoints: [{ step: 0, name: 'checkpoint-0', fetch: async () => dir }] }] };
  const start = performance.now();
  const results = await evaluateSuite({ suite, behaviours, cache: new ResultCache(cacheDir), model: { device: 'cpu' } });
  const seconds = (performance.now() - start) / 1000;
  const probes = [...results.probes.values()].reduce((a, p) => a + p.length, 0);
  console.log(JSON.stringify({ probes, behaviours: behaviours.length, seconds, probesPerSecond: probes / seconds }));
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
