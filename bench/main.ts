/**
 * `npm run bench`: the runtime's speed and memory on a random-weight GPT-2 small saved like a
 * CRFM checkpoint, against this machine's own matmul speed and against plain PyTorch.
 * Writes bench/out/results.md and prints the same table.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { gpt2FlopsPerToken, gpt2Params, writeRandomGpt2 } from './gpt2-shapes.js';
import { pythia160mParams, writeRandomPythia160m } from './neox-shapes.js';
import { prng } from '../test/support/tiny-gpt2.js';

const here = import.meta.dirname;
const out = join(here, 'out');
const ckpt = join(out, 'gpt2-small-random');
const mediumCkpt = join(out, 'gpt2-medium-random');
const neoxCkpt = join(out, 'pythia-160m-random');
const PYTHON = '/usr/bin/python3';

interface Row { metric: string; value: string; target?: string; ok?: boolean }
const rows: Row[] = [];

mkdirSync(out, { recursive: true });
for (const [dir, shape] of [[ckpt, 'small'], [mediumCkpt, 'medium']] as const) {
  if (existsSync(join(dir, 'pytorch_model.bin'))) continue;
  process.stderr.write(`writing a random GPT-2 ${shape} checkpoint (float16 pytorch_model.bin)...\n`);
  writeRandomGpt2(dir, shape);
}

const node = (script: string, ...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', join(here, script), ...args], { encoding: 'utf8' });
const probe = JSON.parse(node('probe-runtime.ts', ckpt).trim().split('\n').pop()!);
const f32Mb = (gpt2Params('small') * 4) / 2 ** 20;
const modelGflops = (probe.throughput[1024] * gpt2FlopsPerToken(1024)) / 1e9;
const ratio = modelGflops / probe.matmulGflops;
rows.push(
  { metric: 'checkpoint to ready (fp16 .bin -> session)', value: `${(probe.readyMs / 1000).toFixed(2)} s`, target: '<= 3 s', ok: probe.readyMs <= 3000 },
  { metric: 'peak RSS at ready (weights mapped, not yet paged in)', value: `${probe.loadPeakRssMb.toFixed(0)} MiB = ${(probe.loadPeakRssMb / f32Mb).toFixed(2)}x fp32 weights`, target: '<= 2.5x', ok: probe.loadPeakRssMb <= 2.5 * f32Mb },
  { metric: 'peak RSS after scoring too', value: `${probe.runPeakRssMb.toFixed(0)} MiB = ${(probe.runPeakRssMb / f32Mb).toFixed(2)}x fp32 weights`, target: '<= 2.5x', ok: probe.runPeakRssMb <= 2.5 * f32Mb },
  { metric: 'scoring, 4 x 1024-token sequences', value: `${probe.throughput[1024].toFixed(0)} tokens/s` },
  { metric: 'scoring, 32 x 128-token sequences', value: `${probe.throughput[128].toFixed(0)} tokens/s` },
  { metric: 'plain fp32 MatMul (best of 1024x768x3072, 2048^3; same runtime)', value: `${probe.matmulGflops.toFixed(1)} GFLOP/s` },
  { metric: 'model achieved (1024-token sequences)', value: `${modelGflops.toFixed(1)} GFLOP/s` },
  { metric: 'model / plain matmul', value: ratio.toFixed(2), target: '>= 0.5', ok: ratio >= 0.5 },
);

// Sessions are released: RSS after many loads in a row, against after the first few.
const demoRuns = join(here, '..', 'suites', 'demo', 'runs');
const demoDirs = readdirSync(demoRuns).flatMap((run) => readdirSync(join(demoRuns, run)).map((c) => join(demoRuns, run, c)));
const reloadTiny = JSON.parse(node('probe-reload.ts', '50', ...demoDirs).trim().split('\n').pop()!);
rows.push({ metric: '50 demo checkpoints loaded, used, disposed in a row: RSS after 5 -> after 50', value: `${reloadTiny.afterFirstTenth.toFixed(0)} MiB -> ${reloadTiny.last.toFixed(0)} MiB`, target: 'flat (+<= 10%)', ok: reloadTiny.last <= 1.1 * reloadTiny.afterFirstTenth });
const reloadSmall = JSON.parse(node('probe-reload.ts', '10', ckpt).trim().split('\n').pop()!);
rows.push({ metric: 'GPT-2 small loaded 10 times in a row: RSS after 1 -> after 10', value: `${reloadSmall.afterFirstTenth.toFixed(0)} MiB -> ${reloadSmall.last.toFixed(0)} MiB`, target: 'flat (+<= 10%)', ok: reloadSmall.last <= 1.1 * reloadSmall.afterFirstTenth });

// GPT-2 medium's shape, so the medium CRFM runs are known to fit.
const medium = JSON.parse(node('probe-runtime.ts', mediumCkpt, 'no-matmul').trim().split('\n').pop()!);
const mediumF32Mb = (gpt2Params('medium') * 4) / 2 ** 20;
rows.push(
  { metric: 'GPT-2 medium shape: checkpoint to ready', value: `${(medium.readyMs / 1000).toFixed(2)} s` },
  { metric: 'GPT-2 medium shape: peak RSS after scoring', value: `${medium.runPeakRssMb.toFixed(0)} MiB = ${(medium.runPeakRssMb / mediumF32Mb).toFixed(2)}x fp32 weights`, target: '<= 2.5x', ok: medium.runPeakRssMb <= 2.5 * mediumF32Mb },
  { metric: 'GPT-2 medium shape: scoring, 4 x 1024 / 32 x 128 tokens', value: `${medium.throughput[1024].toFixed(0)} / ${medium.throughput[128].toFixed(0)} tokens/s` },
);

// Pythia-160m's shape (GPT-NeoX: rotary positions, untied head, the old buffers), so the Pythia and PolyPythias runs are known to fit.
if (!existsSync(join(neoxCkpt, 'pytorch_model.bin'))) {
  process.stderr.write('writing a random Pythia-160m checkpoint (float16 pytorch_model.bin)...\n');
  writeRandomPythia160m(neoxCkpt);
}
const neox = JSON.parse(node('probe-runtime.ts', neoxCkpt, 'no-matmul').trim().split('\n').pop()!);
const neoxF32Mb = (pythia160mParams() * 4) / 2 ** 20;
rows.push(
  { metric: 'Pythia-160m shape (GPT-NeoX): checkpoint to ready', value: `${(neox.readyMs / 1000).toFixed(2)} s`, target: '<= 3 s', ok: neox.readyMs <= 3000 },
  { metric: 'Pythia-160m shape: peak RSS after scoring', value: `${neox.runPeakRssMb.toFixed(0)} MiB = ${(neox.runPeakRssMb / neoxF32Mb).toFixed(2)}x fp32 weights`, target: '<= 2.5x', ok: neox.runPeakRssMb <= 2.5 * neoxF32Mb },
  { metric: 'Pythia-160m shape: scoring, 4 x 1024 / 32 x 128 tokens', value: `${neox.throughput[1024].toFixed(0)} / ${neox.throughput[128].toFixed(0)} tokens/s` },
);

// The full behaviour set on the same checkpoint (random weights: continuations run to full
// length), answered through the key/value cache and, as before it, by full forward passes.
for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(here, '..', 'test', 'fixtures', 'gpt2-tokenizer', f), join(ckpt, f));
const b = JSON.parse(node('probe-behaviours.ts', ckpt).trim().split('\n').pop()!);
const pushedRatio = b.after.pushed / b.minimal;
const [speedBefore, speedAfter] = b.tokensPerSecond as [number, number];
const minimalSeconds = b.minimal / ((speedBefore + speedAfter) / 2);
const wallRatio = b.after.seconds / minimalSeconds;
rows.push(
  { metric: `all ${b.behaviours} behaviours (${b.probes} probes, ${b.requests} requests), one checkpoint: body tokens pushed, full passes -> cache`, value: `${b.before.pushed} -> ${b.after.pushed} (minimal ${b.minimal}: ${pushedRatio.toFixed(2)}x)`, target: '<= 1.2x', ok: pushedRatio <= 1.2 },
  { metric: 'the same: wall time against the minimal tokens at the scorer\'s own body speed on the contexts (mean of two)', value: `${b.after.seconds.toFixed(1)} s vs ${minimalSeconds.toFixed(1)} s at ${speedBefore.toFixed(0)}/${speedAfter.toFixed(0)} tokens/s (just before/after) = ${wallRatio.toFixed(2)}x`, target: '<= 1.3x', ok: wallRatio <= 1.3 },
  { metric: 'the same: probes/s, full passes -> cache', value: `${(b.probes / b.before.seconds).toFixed(1)} -> ${(b.probes / b.after.seconds).toFixed(1)} probes/s (${b.before.seconds.toFixed(0)} s -> ${b.after.seconds.toFixed(0)} s)` },
  { metric: 'the same: max |log-prob cache - full|, greedy tokens equal', value: `${b.maxDiff.toExponential(2)}, ${b.greedySame}`, target: '<= 1e-4, true', ok: b.maxDiff <= 1e-4 && b.greedySame },
);

// Scale-out on one machine: the demo grid by one process against 2 shards (half the threads each) and a merge.
const sharding = JSON.parse(node('probe-shards.ts', '2').trim().split('\n').pop()!);
const gridSpeedup = sharding.single / (sharding.sharded + sharding.merge);
rows.push(
  { metric: 'demo grid (33 checkpoints, all behaviours), 1 process', value: `${sharding.single.toFixed(1)} s = ${(33 / sharding.single).toFixed(2)} checkpoints/s` },
  { metric: `demo grid, 2 shards of ${sharding.threads} thread(s) at once + lmb merge`, value: `${sharding.sharded.toFixed(1)} s + ${sharding.merge.toFixed(1)} s = ${(33 / (sharding.sharded + sharding.merge)).toFixed(2)} checkpoints/s (${gridSpeedup.toFixed(2)}x)` },
  { metric: 'merged matrix.json equals the single run\'s', value: String(sharding.same), target: 'true', ok: sharding.same },
);

// Editing a check: the whole demo grid judged again from stored answers, against the cold run.
const rejudge = JSON.parse(node('probe-rejudge.ts').trim().split('\n').pop()!);
const rejudgeShare = rejudge.rejudge / rejudge.cold;
rows.push(
  { metric: 'demo grid from an empty cache (lmb run, process start to snapshot)', value: `${rejudge.cold.toFixed(1)} s (${rejudge.coldComputed} requests computed)` },
  { metric: 'demo grid again after a check edited in place', value: `${rejudge.rejudge.toFixed(1)} s = ${(100 * rejudgeShare).toFixed(1)}% of cold, ${rejudge.computed} requests computed`, target: '< 10%', ok: rejudgeShare < 0.1 && rejudge.computed === 0 },
);

// End to end, process start to log-probs, 1000 tokens: `lmb score` against PyTorch eager fp32.
const rand = prng(9);
const ids = Array.from({ length: 1000 }, () => Math.floor(rand() * 50257));
const idsFile = join(out, 'ids-1000.txt');
writeFileSync(idsFile, ids.join(','));
const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);
/** Wall time and, where GNU time is installed, the process's own peak RSS (MiB) as `time -v` reports it. */
const timed = (cmd: string, args: string[]) => {
  const rssFile = join(out, 'peak-rss.txt');
  const [exe, argv] = hasTime ? [TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const s = performance.now();
  const r = spawnSync(exe, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - s;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const rssMb = hasTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024 : NaN;
  return { ms, stdout: r.stdout, rssMb };
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs: number[], digits: number, unit = '') => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}${unit}`;
const seconds = (runs: { ms: number }[]) => {
  const xs = runs.map((r) => r.ms / 1000);
  return `${median(xs).toFixed(2)} s (${range(xs, 2, ' s')})`;
};
const lmbScore = (model: string) => timed(process.execPath, [join(here, '..', 'bin', 'lmb.js'), 'score', '--model', model, '--ids', ids.join(','), '--device', 'cpu']);
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
// Alternating pairs, so the machine's drift (a fifth within minutes) falls on both sides alike.
const PAIRS = 5;
const lmbRuns: ReturnType<typeof timed>[] = [];
const torchRuns: ReturnType<typeof timed>[] = [];
for (let i = 0; i < PAIRS; i++) {
  lmbRuns.push(lmbScore(ckpt));
  if (hasTorch) torchRuns.push(timed(PYTHON, [join(here, '..', 'tools', 'torch-score.py'), ckpt, idsFile]));
}
rows.push({ metric: `end to end, 1000 tokens: lmb score, process start to log-probs (median of ${PAIRS}, range)`, value: seconds(lmbRuns) });
if (hasTorch) {
  const parse = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));
  const a = parse(lmbRuns[0].stdout);
  const b = parse(torchRuns[0].stdout);
  const maxDiff = Math.max(...a.slice(1).map((r, i) => Math.abs(r.logprob - b[i + 1].logprob)));
  const ratios = torchRuns.map((t, i) => t.ms / lmbRuns[i].ms);
  const speedup = median(ratios);
  rows.push(
    { metric: 'end to end, 1000 tokens: PyTorch eager fp32, the same way', value: seconds(torchRuns) },
    { metric: `lmb speed-up over PyTorch (median of ${PAIRS} paired runs, the pairs' range)`, value: `${speedup.toFixed(2)}x (${range(ratios, 2, 'x')})`, target: '>= 1.5x', ok: speedup >= 1.5 },
    { metric: 'max |log-prob lmb - PyTorch| over 999 tokens', value: maxDiff.toExponential(2), target: '<= 1e-4', ok: maxDiff <= 1e-4 },
  );
} else {
  rows.push({ metric: 'PyTorch baseline', value: 'not run (PyTorch not installed: apt-get install python3-torch libopenblas0-pthread)' });
}
if (hasTime) {
  const mediumRuns = [lmbScore(mediumCkpt), lmbScore(mediumCkpt)];
  for (const [shape, runs, f32] of [['small', lmbRuns, f32Mb], ['medium', mediumRuns, mediumF32Mb]] as const) {
    const peak = Math.max(...runs.map((r) => r.rssMb));
    rows.push({ metric: `lmb score on GPT-2 ${shape}: the process's peak RSS (GNU time, most of ${runs.length} runs)`, value: `${peak.toFixed(0)} MiB = ${(peak / f32).toFixed(2)}x fp32 weights`, target: '<= 2.5x', ok: peak <= 2.5 * f32 });
  }
  rows.push({ metric: 'lmb score on GPT-2 medium: process start to log-probs', value: seconds(mediumRuns) });
} else {
  rows.push({ metric: 'lmb score peak RSS', value: `not measured (${TIME} missing: apt-get install time)` });
}

// PCA reads the token store in blocks: its peak RSS on a store of 18x the demo's cells (165k tokens x 33 checkpoints).
if (hasTime) {
  const pca = JSON.parse(node('probe-pca.ts', '1000000', '100').trim().split('\n').pop()!);
  rows.push({ metric: `PCA of a synthetic token store, ${pca.tokens} tokens x ${pca.checkpoints} checkpoints: the process's peak RSS (GNU time)`, value: `${pca.peakRssMb.toFixed(0)} MiB (PCA ${pca.seconds.toFixed(0)} s; store written in ${pca.writeSeconds.toFixed(0)} s)`, target: '<= 2048 MiB', ok: pca.peakRssMb <= 2048 });
}

const table = [
  `Runtime benchmark: random-weight GPT-2 small (fp16 pytorch_model.bin), ${cpus().length} cores (${cpus()[0]?.model.trim()}), CPU provider`,
  '',
  '| metric | value | target |',
  '| --- | --- | --- |',
  ...rows.map((r) => `| ${r.metric} | ${r.value} | ${r.target ? `${r.target} ${r.ok ? 'ok' : 'MISSED'}` : ''} |`),
].join('\n');
writeFileSync(join(out, 'results.md'), `${table}\n`);
console.log(table);
