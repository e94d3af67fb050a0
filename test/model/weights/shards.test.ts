import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../../harness/model/checkpoint.js';
import { PROVIDER_KERNELS } from '../../../harness/model/runtime/session.js';
import { openWeights } from '../../../harness/model/weights/open.js';
import { readTensor } from '../../../harness/model/weights/tensor.js';
import { CheckpointKeys } from '../../../harness/run/checkpoint-key.js';
import { caught } from '../../support/errors.js';
import { randomTinyGptNeox, writeTinyGptNeox } from '../../support/tiny-gpt-neox.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-shards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tiny = randomTinyGptNeox(21);
const sharded = (name: string, format: 'torch' | 'safetensors' = 'safetensors', count = 3) =>
  writeTinyGptNeox(join(root, name), tiny, format, 'F32', count);
const indexOf = (dir: string) => join(dir, readdirSync(dir).find((f) => f.endsWith('.index.json'))!);

describe('sharded checkpoints', () => {
  it('open as one WeightFile whose tensors are the ones written, each read from its own shard', () => {
    const dir = sharded('read', 'torch');
    const file = openWeights(indexOf(dir));
    try {
      const shards = new Set([...file.tensors.values()].map((t) => t.file));
      expect([...shards].map((f) => f.split('/').pop()).sort()).toEqual(['pytorch_model-00001-of-00003.bin', 'pytorch_model-00002-of-00003.bin', 'pytorch_model-00003-of-00003.bin']);
      for (const [name, values] of tiny.weights) expect(readTensor(file.tensors.get(name)!)).toEqual(values);
    } finally {
      file.close();
    }
    expect(openCheckpoint(dir).weightsPath).toBe(join(dir, 'pytorch_model.bin.index.json'));
  });

  it('a single file is preferred over an index when a folder has both, as Hugging Face prefers safetensors', () => {
    const dir = sharded('both', 'torch');
    writeTinyGptNeox(dir, tiny, 'safetensors', 'F32');
    expect(openCheckpoint(dir).weightsPath).toBe(join(dir, 'model.safetensors'));
  });

  it('the content key hashes every shard: changing one changes it, and the same bytes elsewhere keep it', () => {
    const keys = new CheckpointKeys(join(root, 'cache'));
    const a = sharded('hash-a');
    const b = sharded('hash-b');
    const before = keys.weightsHash(indexOf(a));
    expect(keys.weightsHash(indexOf(b))).toBe(before);
    const other = randomTinyGptNeox(22);
    const c = writeTinyGptNeox(join(root, 'hash-c'), other, 'safetensors', 'F32', 3);
    copyFileSync(join(a, 'model-00001-of-00003.safetensors'), join(c, 'model-00001-of-00003.safetensors'));
    copyFileSync(join(a, 'model-00003-of-00003.safetensors'), join(c, 'model-00003-of-00003.safetensors'));
    expect(keys.weightsHash(indexOf(c))).not.toBe(before); // only the middle shard differs
  });

  it('every error names the index and what is wrong', () => {
    const dir = sharded('errors');
    const index = indexOf(dir);
    const write = (value: unknown) => writeFileSync(index, typeof value === 'string' ? value : JSON.stringify(value));
    const cases: [unknown, string, string][] = [
      ['{"weight_map":', 'CHECKPOINT_CORRUPT', 'is not a valid shard index'],
      [{ metadata: {} }, 'CHECKPOINT_CORRUPT', 'no "weight_map" object'],
      [{ weight_map: {} }, 'CHECKPOINT_CORRUPT', 'is empty'],
      [{ weight_map: { 'embed_out.weight': '../model-00001-of-00003.safetensors' } }, 'CHECKPOINT_CORRUPT', 'not a file name next to the index'],
      [{ weight_map: { 'embed_out.weight': '/etc/passwd' } }, 'CHECKPOINT_CORRUPT', 'not a file name next to the index'],
      [{ weight_map: { 'embed_out.weight': 'model-00009-of-00009.safetensors' } }, 'FILE_MISSING', 'model-00009-of-00009.safetensors'],
      [{ weight_map: { 'embed_out.weight': 'model-00001-of-00003.safetensors' } }, 'CHECKPOINT_CORRUPT', 'maps tensor "embed_out.weight" to model-00001-of-00003.safetensors, which does not hold it'],
    ];
    for (const [content, code, text] of cases) {
      write(content);
      const e = caught(() => openWeights(index));
      expect(e.code).toBe(code);
      expect(e.message).toContain(text);
    }
  });

  it('a shard of the index that is missing is named, and the content key says which file', () => {
    const dir = sharded('gone');
    rmSync(join(dir, 'model-00002-of-00003.safetensors'));
    const e = caught(() => new CheckpointKeys(join(root, 'cache')).weightsHash(indexOf(dir)));
    expect(e.code).toBe('FILE_MISSING');
    expect(e.message).toContain('model-00002-of-00003.safetensors does not exist');
  });

  it('shards reached through links (the hub cache) map from the folder they really lie in', () => {
    const dir = sharded('linked-real');
    const link = join(root, 'linked');
    mkdirSync(link);
    for (const f of readdirSync(dir)) {
      if (f.endsWith('.safetensors')) symlinkSync(join(dir, f), join(link, f));
      else copyFileSync(join(dir, f), join(link, f));
    }
    const { architecture, config } = openCheckpoint(link);
    const file = openWeights(indexOf(link));
    try {
      const built = architecture.buildGraph(config, file, { attentions: false, cache: false, kernels: PROVIDER_KERNELS.cpu });
      expect([...built.mappedFiles!].sort()).toEqual(readdirSync(dir).filter((f) => f.endsWith('.safetensors')).map((f) => realpathSync(join(dir, f))).sort());
    } finally {
      file.close();
    }
  });
});
