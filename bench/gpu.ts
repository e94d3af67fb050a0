/**
 * `bash bench/gpu.sh` runs this on a machine with a GPU: for each GPU provider that opens
 * (cuda where installed, webgpu where a Vulkan adapter is), the device, scoring tokens/s for the
 * GPT-2 small and medium shapes, probes/s for the full behaviour set through the key/value
 * cache, and max |log-prob difference| against the CPU. `--quick` uses a tiny shape instead, to
 * try the script on a machine without a GPU (SwiftShader). Prints a table and one JSON line.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { GraphModel } from '../harness/model/graph-model.js';
import type { Device } from '../harness/model/runtime/session.js';
import { findProject } from '../harness/project.js';
import { planProbes } from '../harness/run/probe-plan.js';
import { answerRequests } from '../harness/score/evaluator.js';
import type { Answer } from '../harness/score/requests.js';
import { Scorer } from '../harness/score/scorer.js';
import { loadBehaviours } from '../harness/spec/load.js';
import { openTokenizer } from '../harness/tokenize/open.js';
import { prng } from '../test/support/tiny-gpt2.js';
import { GPT2_SHAPES, writeRandomGpt2, type Gpt2Shape } from './gpt2-shapes.js';

const quick = process.argv.includes('--quick');
const out = join(import.meta.dirname, 'out');
const shapes: Gpt2Shape[] = quick ? ['tiny'] : ['small', 'medium'];
const checkpoint = (shape: Gpt2Shape) => {
  const dir = join(out, `gpt2-${shape}-random`);
  if (!existsSync(join(dir, 'pytorch_model.bin'))) {
    mkdirSync(out, { recursive: true });
    writeRandomGpt2(dir, shape);
  }
  for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'gpt2-tokenizer', f), join(dir, f));
  return dir;
};

const rand = prng(5);
const sequences = (rows: number, T: number) => Array.from({ length: rows }, () => Array.from({ length: T }, () => Math.floor(rand() * 50257)));

/** Tokens/s scoring rows x T, after one warm-up, and the scores for the CPU comparison. */
async function throughput(model: GraphModel, input: number[][]) {
  const scorer = new Scorer(model);
  await scorer.score(input.slice(0, 1));
  const start = performance.now();
  const scores = await scorer.score(input);
  const tokens = input.reduce((a, r) => a + r.length - 1, 0);
  return { tokensPerSecond: tokens / ((performance.now() - start) / 1000), scores };
}

const maxDiff = (a: { logprobs: Float32Array }[], b: { logprobs: Float32Array }[]) =>
  Math.max(...a.flatMap((s, i) => [...s.logprobs.slice(1)].map((v, t) => Math.abs(v - b[i].logprobs[t + 1]))));

const rows: string[] = [];
const results: Record<string, unknown>[] = [];
const shapesOf = (T: number, rowsOf: number) => (quick ? [rowsOf, Math.min(T, 32)] : [rowsOf, T]);
for (const device of ['cuda', 'webgpu'] as Device[]) {
  let opened: GraphModel | undefined;
  try {
    opened = await GraphModel.load(checkpoint(shapes[0]), { device });
  } catch (e) {
    rows.push(`| ${device} | not available: ${(e as Error).message.split('\n')[0]} | | | |`);
    continue;
  }
  await opened.dispose();
  for (const shape of shapes) {
    const dir = checkpoint(shape);
    const cpu = await GraphModel.load(dir, { device: 'cpu' });
    const gpu = await GraphModel.load(dir, { device, cache: true });
    const measured: Record<string, number> = {};
    let diff = 0;
    for (const [n, T] of [shapesOf(1024, 8), shapesOf(128, 64)]) {
      const input = sequences(n, T);
      const g = await throughput(gpu, input);
      const c = await new Scorer(cpu).score(input.slice(0, 2));
      measured[`${n}x${T}`] = g.tokensPerSecond;
      diff = Math.max(diff, maxDiff(g.scores.slice(0, 2), c));
    }
    // The full behaviour set on the small shape (tiny with --quick), through the cache, and the
    // same requests' answers on the CPU for comparison.
    let probesPerSecond: number | undefined;
    if (shape === shapes[0]) {
      const plan = planProbes(await loadBehaviours(findProject().behavioursDir), openTokenizer(dir));
      const requests = [...plan.requests.values()];
      const start = performance.now();
      const answers = await answerRequests(new Scorer(gpu), requests);
      probesPerSecond = plan.probes.length / ((performance.now() - start) / 1000);
      const cpuCached = await GraphModel.load(dir, { device: 'cpu', cache: true });
      const sample = requests.map((r, i) => ({ r, i })).filter((_, i) => i % 10 === 0);
      const onCpu = await answerRequests(new Scorer(cpuCached), sample.map((s) => s.r));
      await cpuCached.dispose();
      sample.forEach(({ i }, k) => {
        const a: Answer = answers[i];
        const b = onCpu[k];
        if (a.kind === 'loglikelihood' && b.kind === 'loglikelihood') diff = Math.max(diff, Math.abs(a.logprob - b.logprob));
      });
    }
    await gpu.dispose();
    await cpu.dispose();
    const [longKey, shortKey] = Object.keys(measured);
    rows.push(`| ${device} | GPT-2 ${shape} | ${longKey}: ${measured[longKey].toFixed(0)} tokens/s, ${shortKey}: ${measured[shortKey].toFixed(0)} tokens/s | ${probesPerSecond ? `${probesPerSecond.toFixed(1)} probes/s` : ''} | ${diff.toExponential(2)} |`);
    results.push({ device, shape, tokensPerSecond: measured, probesPerSecond, maxDiffVsCpu: diff });
  }
}

console.log([
  `GPU benchmark (${cpus().length} CPU cores${quick ? ', --quick: tiny shape' : ''}; random weights, fp16 pytorch_model.bin)`,
  '',
  '| provider | model | scoring | full behaviour set (cache) | max abs log-prob diff vs CPU |',
  '| --- | --- | --- | --- | --- |',
  ...rows,
].join('\n'));
console.log(JSON.stringify({ shapes: shapes.map((s) => ({ shape: s, ...GPT2_SHAPES[s] })), results }));
