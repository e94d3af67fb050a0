/**
 * PCA over a synthetic token store much larger than the demo's: writes TOKENS scored tokens x
 * CHECKPOINTS checkpoints with the store's own writer, then runs the PCA in a child process under
 * GNU time, whose peak RSS is the number that matters. Prints one JSON line.
 * Usage: probe-pca.ts TOKENS CHECKPOINTS  (the child: probe-pca.ts --pca STORE)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcaOfStore } from '../harness/analysis/pca/store-pca.js';
import { prng } from '../harness/analysis/prng.js';
import { TokenStore } from '../harness/analysis/tokens/store.js';

const DOC_TOKENS = 1024;
const SOURCE = '/synthetic/corpus.txt';

if (process.argv[2] === '--pca') {
  const store = await TokenStore.open(process.argv[3], { readOnly: true });
  const start = performance.now();
  const pca = await pcaOfStore(store, { corpus: SOURCE, components: 3, top: 10 });
  store.close();
  console.log(JSON.stringify({ seconds: (performance.now() - start) / 1000, tokens: pca.tokens, checkpoints: pca.checkpoints.length, ratios: [...pca.pc.ratios.slice(0, 3)] }));
} else {
  const [tokens, checkpoints] = process.argv.slice(2).map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'lmb-probe-pca-'));
  try {
    const path = join(dir, 'tokens.duckdb');
    const writeStart = performance.now();
    await writeStore(path, tokens, checkpoints);
    const writeSeconds = (performance.now() - writeStart) / 1000;
    const rssFile = join(dir, 'peak-rss.txt');
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, '--import', 'tsx', import.meta.filename, '--pca', path], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`PCA failed: ${r.stderr.slice(-1000)}`);
    const pca = JSON.parse(r.stdout.trim().split('\n').pop()!);
    const peakRssMb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024;
    console.log(JSON.stringify({ ...pca, writeSeconds, peakRssMb }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Documents of DOC_TOKENS tokens; a token's loss at a checkpoint is its difficulty times a
 * learning curve over steps, plus a late-learnt part for some tokens and noise, so the components
 * are not all noise.
 */
async function writeStore(path: string, tokens: number, checkpoints: number): Promise<void> {
  const random = prng(11);
  const docs = Array.from({ length: Math.ceil(tokens / (DOC_TOKENS - 1)) }, (_, d) => {
    const n = Math.min(DOC_TOKENS, tokens - d * (DOC_TOKENS - 1) + 1);
    return Array.from({ length: n }, () => Math.floor(random() * 50257));
  });
  const difficulty = docs.map((ids) => Float32Array.from(ids, () => 1 + 8 * random()));
  const late = docs.map((ids) => Float32Array.from(ids, () => (random() < 0.2 ? 3 * random() : 0)));
  const store = await TokenStore.open(path);
  try {
    const corpus = await store.addCorpus(SOURCE, docs);
    for (let c = 0; c < checkpoints; c++) {
      const progress = c / Math.max(1, checkpoints - 1);
      const id = await store.checkpointId(`synthetic-${c}`, { suite: 'synthetic', run: 'run', step: 10 * c, name: `step-${10 * c}` });
      await store.writeCheckpoint(id, async (append) => {
        docs.forEach((ids, d) => {
          const logprobs = Float32Array.from(ids, (_, t) =>
            -(difficulty[d][t] * (1 - 0.6 * Math.sqrt(progress)) + late[d][t] * (1 - progress * progress) + 0.3 * random()));
          append(corpus.docIds[d], { ids, logprobs, top1: new Int32Array(ids.length) });
        });
      });
    }
  } finally {
    store.close();
  }
}
