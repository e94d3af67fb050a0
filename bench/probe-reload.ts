/**
 * Runs in its own process: loads, uses and disposes checkpoints many times in a row and reports
 * RSS along the way, to show that sessions are released (RSS stays flat). Prints one JSON line.
 * Usage: probe-reload.ts COUNT DIR [DIR...] (cycled through).
 */
import { GraphModel } from '../harness/model/graph-model.js';
import { Scorer } from '../harness/score/scorer.js';

const [count, ...dirs] = process.argv.slice(2);
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const samples: number[] = [];
for (let i = 0; i < Number(count); i++) {
  const model = await GraphModel.load(dirs[i % dirs.length], { device: 'cpu' });
  await new Scorer(model).score([Array.from({ length: 64 }, (_, t) => (t * 7) % model.vocabSize)]);
  await model.dispose();
  samples.push(rssMb());
}
console.log(JSON.stringify({ loads: samples.length, afterFirstTenth: samples[Math.floor(samples.length / 10)], last: samples.at(-1), max: Math.max(...samples) }));
