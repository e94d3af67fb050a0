/**
 * Runs in its own process so its peak RSS is the model's: loads a checkpoint, then measures
 * scoring throughput and a plain float32 MatMul on the same ONNX Runtime. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { GraphModel } from '../harness/model/graph-model.js';
import { GraphBuilder } from '../harness/model/onnx/graph.js';
import { OnnxSession } from '../harness/model/runtime/session.js';
import { Scorer } from '../harness/score/scorer.js';
import { prng } from '../test/support/tiny-gpt2.js';

const dir = process.argv[2];
const peakRssMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

const t0 = performance.now();
const model = await GraphModel.load(dir, { device: 'cpu' });
const readyMs = performance.now() - t0;
const loadPeakRssMb = peakRssMb();

const rand = prng(5);
const seqs = (n: number, T: number) => Array.from({ length: n }, () => Array.from({ length: T }, () => Math.floor(rand() * model.vocabSize)));
const throughput: Record<string, number> = {};
for (const [rows, T] of [[4, 1024], [32, 128]] as const) {
  const scorer = new Scorer(model);
  await scorer.score(seqs(1, T));
  const input = seqs(rows, T);
  const s = performance.now();
  await scorer.score(input);
  throughput[T] = (rows * (T - 1)) / ((performance.now() - s) / 1000);
}
const runPeakRssMb = peakRssMb();
await model.dispose();

// The machine's plain float32 matmul on the same runtime: the best of GPT-2 small's MLP shape
// and a square one, each the median of 7 runs after a warm-up.
async function matmulGflops(M: number, K: number, N: number): Promise<number> {
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', [M, K]);
  g.alias(g.op('MatMul', [x, g.weight('w', [K, N], (d) => d.fill(0.01))]), 'y');
  g.output('y', 'float32', [M, N]);
  const mm = await OnnxSession.create(g.build(), { device: 'cpu' });
  const feed = { x: { type: 'float32' as const, data: new Float32Array(M * K).fill(0.5), dims: [M, K] } };
  await mm.run(feed);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    await mm.run(feed);
    times.push(performance.now() - s);
  }
  await mm.dispose();
  times.sort((a, b) => a - b);
  return (2 * M * K * N) / (times[3] / 1000) / 1e9;
}
const matmul = process.argv[3] === 'no-matmul' ? undefined : Math.max(await matmulGflops(1024, 768, 3072), await matmulGflops(2048, 2048, 2048));
console.log(JSON.stringify({ readyMs, loadPeakRssMb, runPeakRssMb, throughput, matmulGflops: matmul }));
