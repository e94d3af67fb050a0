import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../harness/model/checkpoint.js';
import { GraphModel, type GraphModelOptions } from '../../harness/model/graph-model.js';
import type { LanguageModel } from '../../harness/model/language-model.js';
import { saveModel } from '../../harness/model/onnx/save.js';
import { PROVIDER_KERNELS, hasVulkanLoader } from '../../harness/model/runtime/session.js';
import { openWeights } from '../../harness/model/weights/open.js';
import { answerRequests } from '../../harness/score/evaluator.js';
import type { Request } from '../../harness/score/requests.js';
import { Scorer } from '../../harness/score/scorer.js';
import { incremental, ROWS } from '../support/incremental-decode.js';
import { writeLlama2c } from '../support/reference-llama.js';
import { randomTinyGptNeox, writeTinyGptNeox } from '../support/tiny-gpt-neox.js';
import { randomTinyGpt2, writeTinyGpt2 } from '../support/tiny-gpt2.js';
import { randomTinyLlama } from '../support/tiny-llama.js';

/**
 * --device webgpu for real, on SwiftShader (Debian Chromium's software Vulkan driver). Dawn reads
 * VK_ICD_FILENAMES with getenv when the first WebGPU session starts; vitest runs this file in a
 * forked process (pool 'forks'), so assigning process.env reaches it: the first test checks.
 */
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const loader = hasVulkanLoader();
process.env.VK_ICD_FILENAMES = ICD;
const WEBGPU = 'WebGpuExecutionProvider';

/** Models and profiles; made by the describe's beforeAll, so a skipped run leaves nothing behind. */
let root = '';

/**
 * llama2.c .bin files hold fp32 weights only, so fp16 weights are covered by GPT-2 alone. llama's
 * rotary cos/sin are tables, not Cos and Sin ops: WGSL's are approximate (SwiftShader 1.9e-4 off at
 * angles up to 30, which moved log-probs by 1e-3).
 */
const CASES = [
  { name: 'GPT-2 fp32', tolerance: 1e-4, path: () => writeTinyGpt2(join(root, 'gpt2-f32'), randomTinyGpt2(3), 'safetensors', 'F32') },
  { name: 'GPT-2 fp16', tolerance: 1e-4, path: () => writeTinyGpt2(join(root, 'gpt2-f16'), randomTinyGpt2(3), 'torch', 'F16') },
  { name: 'llama2.c fp32', tolerance: 1e-4, path: () => writeLlama2c(join(root, 'llama.bin'), randomTinyLlama(5)) },
  { name: 'GPT-NeoX fp16', tolerance: 1e-4, path: () => writeTinyGptNeox(join(root, 'neox-f16'), randomTinyGptNeox(3), 'torch', 'F16') },
].map((c) => ({ ...c, path: once(c.path) }));

/** Writes a model on first use, so a filtered run writes only what it needs. */
function once(f: () => string): () => string {
  let value: string | undefined;
  return () => (value ??= f());
}

/** The decoder's rows, right-padded for batches. */
const PADDED = ROWS.map((r) => [...r, ...new Array(ROWS[0].length - r.length).fill(0)]);

/** Runs `f` on the model loaded for cpu, then for webgpu (checking its device): [cpu, webgpu]. */
async function onBoth<T>(path: string, opts: GraphModelOptions, f: (m: GraphModel) => Promise<T>): Promise<[T, T]> {
  const out: T[] = [];
  for (const device of ['cpu', 'webgpu'] as const) {
    const model = await GraphModel.load(path, { ...opts, device });
    expect(model.device).toBe(device);
    out.push(await f(model));
    await model.dispose();
  }
  return [out[0], out[1]];
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number): void {
  expect(a.length).toBe(b.length);
  expect(a.length).toBeGreaterThan(0);
  const diff = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
  expect(diff).toBeLessThanOrEqual(tolerance);
}

/** The cached decoder's answers for ROWS, flattened row after row. */
async function incrementalFlat(model: LanguageModel): Promise<{ logprobs: number[]; top1: number[] }> {
  const { logprobs, top1 } = await incremental(model);
  return { logprobs: logprobs.flat(), top1: top1.flat() };
}

/** Ops whose placement matters: a silent CPU fallback of one of these costs the GPU its point. */
const HEAVY = new Set(['MatMul', 'Gemm', 'Attention', 'MultiHeadAttention', 'GroupQueryAttention', 'Softmax', 'LogSoftmax', 'ReduceLogSumExp', 'LayerNormalization',
  'SkipLayerNormalization', 'SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization', 'FastGelu', 'Gelu', 'BiasGelu', 'QuickGelu']);

/**
 * Every node that ran, with its provider, from ONNX Runtime's profile of one run of the graph
 * the architecture builds (as GraphModel does) on a WebGPU session: B=2 rows, 3 new tokens after 2 cached.
 */
async function placements(path: string, cache: boolean): Promise<{ op: string; provider: string }[]> {
  const { architecture: arch, config, weightsPath } = openCheckpoint(path);
  const weights = openWeights(weightsPath);
  const dir = mkdtempSync(join(root, 'profile-'));
  try {
    const model = saveModel(arch.buildGraph(config, weights, { attentions: false, cache, kernels: PROVIDER_KERNELS.webgpu }), dir);
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['webgpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3, enableProfiling: true, profileFilePrefix: join(dir, 'profile'),
    });
    const [B, P, T] = [2, cache ? 2 : 0, 3];
    const { kvHeads, headDim } = arch.cacheShape(config);
    const int64 = (dims: number[], f: (i: number) => number) =>
      new ort.Tensor('int64', BigInt64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => BigInt(f(i))), dims);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64([B, T], (i) => 1 + i), position_ids: int64([B, T], (i) => P + (i % T)),
      score_index: int64([B * 2], (i) => Math.floor(i / 2) * T + (i % 2) * (T - 1)), target_ids: int64([B * 2], (i) => 2 + i),
      attention_mask: new ort.Tensor('int32', new Int32Array(B * (P + T)).fill(1), [B, P + T]),
    };
    for (let l = 0; l < arch.layers(config); l++) {
      const dims = [B, kvHeads, P, headDim];
      const past = () => new ort.Tensor('float32', Float32Array.from({ length: B * kvHeads * P * headDim }, (_, i) => ((i % 7) - 3) / 8), dims);
      [feeds[`past_key_${l}`], feeds[`past_value_${l}`]] = [past(), past()];
    }
    const out = await session.run(Object.fromEntries(session.inputNames.map((n) => [n, feeds[n]])));
    expect((out.logprobs.data as Float32Array).every(Number.isFinite)).toBe(true);
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.startsWith('profile') && f.endsWith('.json'));
    expect(file).toBeDefined();
    const events: { cat: string; args?: { op_name?: string; provider?: string } }[] = JSON.parse(readFileSync(join(dir, file!), 'utf8'));
    return events.filter((e) => e.cat === 'Node' && e.args?.op_name).map((e) => ({ op: e.args!.op_name!, provider: e.args!.provider! }));
  } finally {
    weights.close();
  }
}

describe.skipIf(!existsSync(ICD) || !loader)('--device webgpu on SwiftShader', () => {
  beforeAll(() => void (root = mkdtempSync(join(tmpdir(), 'lmb-webgpu-'))));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the WebGPU adapter is SwiftShader, from VK_ICD_FILENAMES set in this file', async () => {
    const model = await GraphModel.load(CASES[0].path(), { device: 'webgpu' });
    expect(model.device).toBe('webgpu');
    expect(readFileSync('/proc/self/maps', 'utf8')).toContain(join(dirname(ICD), 'libvk_swiftshader.so'));
    await model.dispose();
  });

  it.each(CASES)('$name: a padded batch scored on webgpu equals cpu', async ({ path, tolerance }) => {
    const positions = [[0, 4, 9, 14], [1, 5, 9, 9]];
    const targets = positions.map((p, b) => p.map((k) => PADDED[b][k + 1]));
    const [cpu, gpu] = await onBoth(path(), {}, (m) => m.forward(PADDED, targets, { positions }));
    expectClose(gpu.logprobs, cpu.logprobs, tolerance);
    expect([...gpu.top1]).toEqual([...cpu.top1]);
  });

  it.each(CASES)('$name: the cached decoder on webgpu equals the cpu cached decoder and the cpu full forward', async ({ path, tolerance }) => {
    const [cpu, gpu] = await onBoth(path(), { cache: true }, incrementalFlat);
    const full = await GraphModel.load(path(), { device: 'cpu' });
    const whole = await full.forward(PADDED, PADDED.map((r) => [...r.slice(1), 0]));
    await full.dispose();
    const T = PADDED[0].length;
    const wholeRows = (a: ArrayLike<number>) => ROWS.flatMap((r, b) => Array.from(a).slice(b * T, b * T + r.length - 1));
    expectClose(gpu.logprobs, cpu.logprobs, tolerance);
    expectClose(gpu.logprobs, wholeRows(whole.logprobs), tolerance);
    expect(gpu.top1).toEqual(cpu.top1);
    expect(gpu.top1).toEqual(wholeRows(whole.top1));
  });

  it.each([CASES[0], CASES[2]])('$name: answerRequests through the webgpu cache gives the cpu answers', async ({ path, tolerance }) => {
    const requests: Request[] = [
      { kind: 'greedy', context: ROWS[0].slice(0, 5), maxTokens: 6 },
      { kind: 'greedy', context: ROWS[1].slice(0, 3), maxTokens: 4 },
      { kind: 'loglikelihood', context: ROWS[0].slice(0, 5), continuation: ROWS[0].slice(5, 9) },
      { kind: 'loglikelihood', context: ROWS[1].slice(0, 4), continuation: ROWS[1].slice(4, 6) },
    ];
    const [cpu, gpu] = await onBoth(path(), { cache: true }, (m) => answerRequests(new Scorer(m), requests));
    gpu.forEach((a, i) => {
      const c = cpu[i];
      const r = requests[i];
      if (r.kind === 'greedy' && a.kind === 'greedy' && c.kind === 'greedy') {
        expect(a.tokens).toHaveLength(r.maxTokens);
        expect(a.tokens).toEqual(c.tokens);
      } else if (a.kind === 'loglikelihood' && c.kind === 'loglikelihood') {
        expectClose([a.logprob], [c.logprob], tolerance);
        expect(a.isGreedy).toBe(c.isGreedy);
      } else expect.unreachable(`answer ${i}: ${a.kind} on webgpu, ${c.kind} on cpu`);
    });
  });

  // ONNX Runtime's WebGPU Attention kernel takes no mask, past or present and leaves such nodes
  // to the CPU without a word; the cached GPT-2 graph therefore writes attention op by op.
  it.each([
    { name: 'GPT-2 cached', path: CASES[0].path, cache: true, onGpu: ['MatMul', 'Softmax', 'Gemm', 'ReduceLogSumExp', 'LayerNormalization', 'FastGelu'], onCpu: [] },
    { name: 'GPT-2 plain', path: CASES[0].path, cache: false, onGpu: ['Attention', 'MatMul', 'Gemm', 'ReduceLogSumExp', 'LayerNormalization', 'FastGelu'], onCpu: [] },
    { name: 'llama2.c cached', path: CASES[2].path, cache: true, onGpu: ['MatMul', 'Gemm', 'Softmax', 'ReduceLogSumExp'], onCpu: [] },
    { name: 'GPT-NeoX cached', path: CASES[3].path, cache: true, onGpu: ['MatMul', 'Gemm', 'Softmax', 'ReduceLogSumExp', 'LayerNormalization', 'BiasGelu'], onCpu: [] },
    { name: 'GPT-NeoX plain', path: CASES[3].path, cache: false, onGpu: ['MultiHeadAttention', 'MatMul', 'Gemm', 'ReduceLogSumExp', 'LayerNormalization', 'BiasGelu'], onCpu: [] },
  ])('$name graph: heavy ops run on the WebGPU provider (CPU: $onCpu)', async ({ path, cache, onGpu, onCpu }) => {
    const heavy = (await placements(path(), cache)).filter((n) => HEAVY.has(n.op));
    expect(heavy.filter((n) => n.provider === WEBGPU).map((n) => n.op)).toEqual(expect.arrayContaining(onGpu));
    expect([...new Set(heavy.filter((n) => n.provider !== WEBGPU).map((n) => `${n.op} on ${n.provider}`))])
      .toEqual(onCpu.map((op) => `${op} on CPUExecutionProvider`));
  });
});
