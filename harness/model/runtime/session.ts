import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { LmbError } from '../../errors.js';
import type { Kernels } from '../onnx/blocks.js';
import type { BuiltModel } from '../onnx/graph.js';
import { saveModel } from '../onnx/save.js';

/** The only module that touches onnxruntime-node. */

export const DEVICES = ['auto', 'cpu', 'cuda', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];
type Provider = Exclude<Device, 'auto'>;

export interface SessionOptions {
  device?: Device;
  /** Intra-op threads; default: ONNX Runtime's choice (one per physical core). */
  threads?: number;
  /** Told once, in one line, when `auto` could not use a GPU. */
  onNotice?: (line: string) => void;
  /**
   * Let ONNX Runtime repack MatMul weights into its kernels' layout at load (default true:
   * 1.16-1.29x faster for GPT-2 small and medium on 16 x 48-token batches here, +100-115 MiB;
   * weights cast from 16 bits are replaced by their packed copy, fp32 weights read from the
   * checkpoint stay mapped besides it).
   */
  prepack?: boolean;
}

/**
 * Kernel choices that depend on the provider, all of them here. The head's log-softmax: the
 * CPU's LogSoftmax is faster, more exact and holds less than ReduceLogSumExp (GPT-2 small's head
 * over 1024 positions: 489 against 797 ms, peak 410 against 555 MB over the session's, worst
 * |error| against float64 3.3e-6 against 7.8e-5), but WebGPU has no LogSoftmax kernel (it would
 * run on the CPU).
 */
export const PROVIDER_KERNELS: Record<Provider, Kernels> = {
  cpu: { head: 'LogSoftmax' },
  cuda: { head: 'LogSoftmax' },
  webgpu: { head: 'ReduceLogSumExp' },
};

export type FeedType = 'int64' | 'int32' | 'float32' | 'bool';
export interface Feed {
  type: FeedType;
  data: BigInt64Array | Int32Array | Float32Array | Uint8Array;
  dims: number[];
}
export interface Fetched {
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
  dims: readonly number[];
}
export interface ValueInfo {
  name: string;
  type: string;
  shape: (number | string)[];
}

export function parseDevice(value: string): Device {
  if ((DEVICES as readonly string[]).includes(value)) return value as Device;
  throw new LmbError('DEVICE_UNKNOWN', `unknown device "${value}"`, `Use one of: ${DEVICES.join(', ')}`);
}

ort.env.logLevel = 'error';

const bindingDir = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);

/**
 * Why `auto` should not try a provider here, or undefined when it is worth trying. WebGPU is
 * tried only with a GPU device node present, and not when the Vulkan driver list names software
 * adapters only: SwiftShader or lavapipe would run slower than the CPU provider.
 */
function notForAuto(p: Provider): string | undefined {
  const reason = unavailable(p);
  if (reason || p !== 'webgpu' || process.platform !== 'linux') return reason;
  const software = softwareOnlyDrivers(process.env);
  if (software) return `only a software Vulkan adapter (${software})`;
  if (!hasGpuDevice()) return 'no GPU device (/dev/dri/renderD*, /dev/nvidia*)';
  return undefined;
}

/** Software Vulkan drivers by their library names. */
const SOFTWARE_DRIVERS: [RegExp, string][] = [[/swiftshader/i, 'SwiftShader'], [/lvp|lavapipe/i, 'lavapipe'], [/llvmpipe/i, 'llvmpipe']];

/**
 * The software adapters named when VK_ICD_FILENAMES or VK_DRIVER_FILES lists only software
 * drivers (the loader then offers nothing else), else undefined.
 */
export function softwareOnlyDrivers(env: NodeJS.ProcessEnv): string | undefined {
  const list = (env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? '').split(':').filter(Boolean);
  if (list.length === 0) return undefined;
  const names = list.map((f) => SOFTWARE_DRIVERS.find(([re]) => re.test(f) || re.test(driverLibrary(f)))?.[1]);
  return names.every(Boolean) ? [...new Set(names)].join(', ') : undefined;
}

/** The `library_path` of a Vulkan driver manifest, or '' when it cannot be read. */
function driverLibrary(manifest: string): string {
  try {
    return String(JSON.parse(readFileSync(manifest, 'utf8'))?.ICD?.library_path ?? '');
  } catch {
    return '';
  }
}

function hasGpuDevice(): boolean {
  const has = (dir: string, re: RegExp) => existsSync(dir) && readdirSync(dir).some((f) => re.test(f));
  return has('/dev/dri', /^renderD\d+$/) || has('/dev', /^nvidia\d+$/);
}

/** Why a provider cannot run here, or undefined when it is worth trying. */
function unavailable(p: Provider): string | undefined {
  if (p === 'cuda' && process.platform === 'linux' && !existsSync(join(bindingDir, 'libonnxruntime_providers_cuda.so'))) {
    return 'CUDA provider not installed (npm install with onnxruntime-node-install=cuda)';
  }
  if (p === 'webgpu' && process.platform === 'linux' && !hasVulkanLoader()) return 'no Vulkan loader (libvulkan.so.1)';
  return undefined;
}

/**
 * Dawn's Vulkan backend asks libwayland for a display, which prints "XDG_RUNTIME_DIR is invalid
 * or not set" twice on a headless machine (a GPU server, CI); an empty private folder of that
 * name answers it quietly, and is removed at exit.
 */
function quietWayland(): void {
  const dir = process.env.XDG_RUNTIME_DIR;
  if (dir && existsSync(dir)) return;
  const made = mkdtempSync(join(tmpdir(), 'lmb-runtime-'));
  process.env.XDG_RUNTIME_DIR = made;
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
}

/** Whether the Vulkan loader WebGPU needs is where the dynamic linker looks. */
export function hasVulkanLoader(): boolean {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib',
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

export class OnnxSession {
  private constructor(
    private session: ort.InferenceSession,
    readonly device: Provider,
  ) {}

  /**
   * Opens an ONNX file, a built model, or the model a builder makes for each provider tried
   * (its kernel choices from PROVIDER_KERNELS).
   */
  static async create(model: BuiltModel | string | ((kernels: Kernels) => BuiltModel), opts: SessionOptions = {}): Promise<OnnxSession> {
    return OnnxSession.open(typeof model === 'function' ? model : () => model, opts);
  }

  private static async open(build: (kernels: Kernels) => BuiltModel | string, opts: SessionOptions): Promise<OnnxSession> {
    const device = opts.device ?? 'auto';
    const candidates: Provider[] = device === 'auto' ? ['cuda', 'webgpu', 'cpu'] : [device];
    const skipped: string[] = [];
    for (const p of candidates) {
      const reason = device === 'auto' ? notForAuto(p) : unavailable(p);
      if (reason && device === 'auto') {
        skipped.push(`${p}: ${reason}`);
        continue;
      }
      if (reason) throw new LmbError('DEVICE_UNAVAILABLE', `device ${p} is not available: ${reason}`, 'Use --device cpu or --device auto');
      try {
        if (p === 'webgpu') quietWayland();
        const session = await inferenceSession(build(PROVIDER_KERNELS[p]), sessionOptions(p, opts));
        if (skipped.length) opts.onNotice?.(`no GPU used (${skipped.join('; ')}); running on ${p}`);
        return new OnnxSession(session, p);
      } catch (e) {
        if (device !== 'auto' || p === 'cpu') throw sessionError(e, p);
        skipped.push(`${p}: ${noAdapter(e, p) ? 'no GPU adapter' : firstLine(e)}`);
      }
    }
    throw new Error('unreachable: cpu is always a candidate');
  }

  get inputs(): ValueInfo[] {
    return this.session.inputMetadata.map(valueInfo);
  }

  get outputs(): ValueInfo[] {
    return this.session.outputMetadata.map(valueInfo);
  }

  async run(feeds: Record<string, Feed>, fetch?: string[]): Promise<Record<string, Fetched>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor(f.type, f.data, f.dims);
    const out = fetch ? await this.session.run(tensors, fetch) : await this.session.run(tensors);
    const result: Record<string, Fetched> = {};
    for (const [name, t] of Object.entries(out)) {
      result[name] = { data: t.data as Fetched['data'], dims: t.dims };
      t.dispose();
    }
    return result;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function valueInfo(m: ort.InferenceSession.ValueMetadata): ValueInfo {
  return 'type' in m ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'unknown', shape: [] };
}

/**
 * A model that maps its checkpoint is handed over as bytes, its external data found in the
 * checkpoint's folder: nothing is written. Any other built model is written to a temporary
 * folder first: ONNX Runtime then maps its weights file rather than copying it, so a checkpoint
 * is in memory once. The folder is removed as soon as the session exists (the mapping outlives
 * the file).
 */
async function inferenceSession(model: BuiltModel | string, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  if (typeof model === 'string') return ort.InferenceSession.create(model, options);
  if (model.mappedFiles) {
    const session = { ...(options.extra?.session as object), model_external_initializers_file_folder_path: dirname(model.mappedFiles[0]) };
    return ort.InferenceSession.create(model.onnx, { ...options, extra: { ...options.extra, session } });
  }
  const dir = mkdtempSync(join(process.env.LMB_TMPDIR ?? tmpdir(), 'lmb-model-'));
  try {
    return await ort.InferenceSession.create(saveModel(model, dir), options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sessionOptions(p: Provider, opts: SessionOptions): ort.InferenceSession.SessionOptions {
  const session: Record<string, string> = { disable_prepacking: opts.prepack === false ? '1' : '0' };
  return {
    executionProviders: [p],
    graphOptimizationLevel: 'all',
    // Memory patterns are planned and kept per input shape; scoring sees many shapes, and the
    // kept plans grew peak memory by a third (measured with npm run bench).
    enableMemPattern: false,
    // The arena kept what a session freed: GPT-2 small loaded 10 times grew 534 -> 629 MiB with
    // it, 490 -> 497 without, and lmb score's peak fell 1215 -> 1167 MB at the same speed.
    enableCpuMemArena: false,
    extra: { session },
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}),
  };
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0].slice(0, 200);
}

/** WebGPU found a Vulkan loader but no adapter behind it (no driver, or none that works). */
const noAdapter = (e: unknown, p: Provider) => p === 'webgpu' && /adapter/i.test(firstLine(e));

function sessionError(e: unknown, p: Provider): LmbError {
  if (noAdapter(e, p)) {
    return new LmbError('DEVICE_UNAVAILABLE', 'device webgpu is not available: the Vulkan loader found no GPU adapter (no driver, or none that works)',
      "Install the GPU's Vulkan driver (or set VK_ICD_FILENAMES to one), or use --device cpu");
  }
  return new LmbError('SESSION_FAILED', `ONNX Runtime could not create a ${p} session: ${firstLine(e)}`,
    'Check that the model file is a complete ONNX model; try --device cpu');
}
