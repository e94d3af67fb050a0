import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from './write-safetensors.js';
import { writeTorchBin, type TorchTensorSpec } from './write-torch-bin.js';

const BYTES = { F32: 4, F16: 2, BF16: 2, BOOL: 1 } as const;

/**
 * Writes tensors as Hugging Face saves a model over its shard size: `count` shards of
 * consecutive tensors (`model-00001-of-00002.safetensors` or `pytorch_model-00001-of-00002.bin`)
 * and the index that maps each tensor to its shard. Returns the index's path.
 */
export function writeShards(dir: string, tensors: readonly TorchTensorSpec[], format: 'torch' | 'safetensors', count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  const name = (i: number) => (format === 'torch' ? `pytorch_model-${pad(i + 1)}-of-${pad(count)}.bin` : `model-${pad(i + 1)}-of-${pad(count)}.safetensors`);
  const per = Math.ceil(tensors.length / count);
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  for (let i = 0; i < count; i++) {
    const part = tensors.slice(i * per, (i + 1) * per);
    if (format === 'torch') writeTorchBin(join(dir, name(i)), [...part]);
    else writeSafetensors(join(dir, name(i)), [...part]);
    for (const t of part) {
      weightMap[t.name] = name(i);
      totalSize += t.data.length * BYTES[t.dtype];
    }
  }
  const index = join(dir, format === 'torch' ? 'pytorch_model.bin.index.json' : 'model.safetensors.index.json');
  writeFileSync(index, JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2));
  return index;
}
