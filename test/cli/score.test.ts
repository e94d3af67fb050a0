import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasVulkanLoader, softwareOnlyDrivers } from '../../harness/model/runtime/session.js';
import { loadTokenizer } from '../../harness/tokenize/tokenizer.js';
import { referenceGpt2 } from '../support/reference-gpt2.js';
import { randomTinyGpt2, writeTinyGpt2 } from '../support/tiny-gpt2.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TOKENIZER = join(import.meta.dirname, '..', 'fixtures', 'gpt2-tokenizer');
const lmb = (...args: string[]) => spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'lmb.js'), ...args], { encoding: 'utf8' });

function withTokenizer(dir: string): string {
  for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(TOKENIZER, f), join(dir, f));
  return dir;
}

// GPT-2's real vocabulary on a tiny body, so text goes through the real tokenizer.
const tiny = randomTinyGpt2(4, { vocab_size: 50257, n_embd: 8, n_head: 2, n_layer: 2 });
const modelDir = withTokenizer(writeTinyGpt2(join(root, 'gpt2-vocab'), tiny, 'torch', 'F16'));
const text = 'The cat sat on the mat (and then, it left).';
const textFile = join(root, 'input.txt');
writeFileSync(textFile, text);

const vulkanLoader = hasVulkanLoader();

describe('lmb score', () => {
  // .ci/run installs Debian's libvulkan1; with no driver behind the loader there is no GPU adapter.
  it.skipIf(!vulkanLoader)('--device webgpu with a Vulkan loader but no adapter says there is no GPU adapter, in one line', () => {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'lmb.js'), 'score', '--model', modelDir, '--ids', '1,2,3', '--device', 'webgpu'],
      { encoding: 'utf8', env: { ...process.env, VK_ICD_FILENAMES: join(root, 'no-such-icd.json') } });
    expect(r.status).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.startsWith('lmb: '));
    expect(line).toBe("lmb: DEVICE_UNAVAILABLE: device webgpu is not available: the Vulkan loader found no GPU adapter (no driver, or none that works). Install the GPU's Vulkan driver (or set VK_ICD_FILENAMES to one), or use --device cpu");
  });

  const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
  it.skipIf(!vulkanLoader || !existsSync(swiftShader))('--device auto never takes a software Vulkan adapter over the CPU, and prints no native noise', () => {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'lmb.js'), 'score', '--model', modelDir, '--ids', '1,2,3'],
      { encoding: 'utf8', env: { ...process.env, VK_ICD_FILENAMES: swiftShader } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^lmb: no GPU used \(cuda: [^;]+; webgpu: only a software Vulkan adapter \(SwiftShader\)\); running on cpu\n$/);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
  });

  it.skipIf(!vulkanLoader || !existsSync(swiftShader))('--device webgpu asked for runs there and lets no native line through on a headless machine', () => {
    const { XDG_RUNTIME_DIR: _, ...env } = process.env;
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'lmb.js'), 'score', '--model', modelDir, '--ids', '1,2,3', '--device', 'webgpu'],
      { encoding: 'utf8', env: { ...env, VK_ICD_FILENAMES: swiftShader } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('softwareOnlyDrivers names SwiftShader and lavapipe by path or by their manifest, and nothing when a hardware driver is listed', () => {
    const manifest = join(root, 'renamed.json');
    writeFileSync(manifest, JSON.stringify({ ICD: { library_path: './libvk_swiftshader.so' } }));
    expect(softwareOnlyDrivers({ VK_ICD_FILENAMES: swiftShader })).toBe('SwiftShader');
    expect(softwareOnlyDrivers({ VK_ICD_FILENAMES: manifest })).toBe('SwiftShader');
    expect(softwareOnlyDrivers({ VK_DRIVER_FILES: `${manifest}:/usr/share/vulkan/icd.d/lvp_icd.x86_64.json` })).toBe('SwiftShader, lavapipe');
    expect(softwareOnlyDrivers({ VK_ICD_FILENAMES: `${swiftShader}:/usr/share/vulkan/icd.d/nvidia_icd.json` })).toBeUndefined();
    expect(softwareOnlyDrivers({})).toBeUndefined();
  });

  it('ends quietly, with status 0, when the reader of its output stops early (| head -1)', () => {
    const long = join(root, 'long.txt');
    writeFileSync(long, 'The cat sat on the mat. '.repeat(400));
    const lmbJs = join(import.meta.dirname, '..', '..', 'bin', 'lmb.js');
    const run = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${lmbJs}" score --model "${modelDir}" --text "${long}" --device cpu | head -1`], { encoding: 'utf8' });
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout).position).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it.each(['(weights prepacked)', '--no-prepack'])('prints one JSON object per token with the reference log-probs %s', (flag) => {
    const run = lmb('score', '--model', modelDir, '--text', textFile, '--device', 'cpu', ...(flag.startsWith('--') ? [flag] : []));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rows = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const ids = loadTokenizer(TOKENIZER).encode(text);
    expect(rows.map((r) => r.token_id)).toEqual(ids);
    expect(rows.map((r) => r.token).join('')).toBe(text);
    expect(rows[0]).toEqual({ position: 0, token_id: ids[0], token: 'The', logprob: null, top1_id: null });
    const ref = referenceGpt2(tiny.config, tiny.weights, ids);
    rows.slice(1).forEach((r, i) => {
      expect(r.position).toBe(i + 1);
      expect(Math.abs(r.logprob - ref.nextLogprobs[i])).toBeLessThanOrEqual(1e-4);
      expect(r.top1_id).toBe(ref.top1[i]);
    });
  });

  it('--ids works without a tokenizer, and the table view ends with a summary', () => {
    const bare = writeTinyGpt2(join(root, 'bare'), randomTinyGpt2(2), 'safetensors', 'F32');
    const run = lmb('score', '--model', bare, '--ids', '1,2,3,4', '--format', 'table', '--device', 'cpu');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/3 tokens scored: mean loss \d+\.\d{4} nats, perplexity \d+\.\d{2}, top-1 accuracy \d+\.\d%/);
    const jsonl = lmb('score', '--model', bare, '--ids', '1,2', '--device', 'cpu');
    expect(JSON.parse(jsonl.stdout.split('\n')[1])).toMatchObject({ position: 1, token_id: 2, token: null });
  });

  it('a tokenizer larger than the model vocabulary is refused in one line', () => {
    const small = withTokenizer(writeTinyGpt2(join(root, 'small'), randomTinyGpt2(2), 'torch', 'F16'));
    const run = lmb('score', '--model', small, '--text', textFile, '--device', 'cpu');
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^lmb: TOKENIZER_MISMATCH: .*50257.*97/);
  });

  it('bad input gives one line and a non-zero exit: unknown device, missing model, bad ids', () => {
    for (const [args, pattern] of [
      [['--model', modelDir, '--ids', '1', '--device', 'tpu'], /^lmb: DEVICE_UNKNOWN: unknown device "tpu"\. Use one of: auto, cpu, cuda, webgpu\n$/],
      [['--model', join(root, 'missing'), '--ids', '1'], /^lmb: FILE_MISSING: .*missing does not exist/],
      [['--model', modelDir, '--ids', '1,x'], /^lmb: OPTION_INVALID: --ids must be/],
      [['--model', modelDir, '--text', join(root, 'nope.txt')], /^lmb: FILE_MISSING: cannot read --text/],
    ] as const) {
      const run = lmb('score', ...args);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(pattern);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
