/** Opens a weight file with the reader its first bytes call for, whatever its name. */
import { closeSync } from 'node:fs';
import { LmbError } from '../../errors.js';
import { LLAMA2C_HEADER_BYTES, looksLikeLlama2c, openLlama2cBin } from './llama2c-bin.js';
import { openForReading, readExact } from './read.js';
import { openSafetensors } from './safetensors.js';
import { isShardIndex, openShards } from './shards.js';
import type { WeightFile } from './tensor.js';
import { LEGACY_TORCH_MAGIC, legacyTorchError, openTorchBin } from './torch-bin.js';

export type WeightFormat = 'torch-zip' | 'safetensors' | 'llama2c';

/** Names the format from the file's first bytes, or throws an LmbError saying what it is not. */
export function detectWeightFormat(path: string): WeightFormat {
  const { fd, size } = openForReading(path);
  const head = Buffer.alloc(Math.min(size, LLAMA2C_HEADER_BYTES));
  try {
    readExact(fd, path, head, 0);
  } finally {
    closeSync(fd);
  }
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'torch-zip';
  if (head.subarray(0, LEGACY_TORCH_MAGIC.length).equals(LEGACY_TORCH_MAGIC)) throw legacyTorchError(path);
  if (head.length >= 9) {
    const headerLength = head.readBigUInt64LE(0);
    // A safetensors header is a JSON object, so its first byte is "{"; the reader judges a length over its cap.
    if (headerLength >= 2n && head[8] === 0x7b) return 'safetensors';
  }
  // Before the pickle test: a llama2.c header whose dim is 128 or 384 also starts with 0x80.
  if (looksLikeLlama2c(head)) return 'llama2c';
  if (head[0] === 0x80) {
    throw new LmbError('CHECKPOINT_UNSUPPORTED', `${path} is a bare pickle, not a zip or safetensors checkpoint`,
      'Re-save it with torch.save(model.state_dict(), path) from PyTorch 1.6 or newer, or convert it to safetensors');
  }
  throw new LmbError('CHECKPOINT_FORMAT_UNKNOWN', `${path} is neither a PyTorch zip checkpoint, a safetensors file nor a llama2.c export`,
    'Point at pytorch_model.bin, model.safetensors or a llama2.c .bin; if that is what it is, re-download it');
}

const READERS: Record<WeightFormat, (path: string) => WeightFile> = {
  'torch-zip': openTorchBin,
  safetensors: openSafetensors,
  llama2c: openLlama2cBin,
};

/** Opens a weight file, or every shard a `*.index.json` names as one WeightFile. */
export function openWeights(path: string): WeightFile {
  return isShardIndex(path) ? openShards(path, openOneFile) : openOneFile(path);
}

const openOneFile = (path: string): WeightFile => READERS[detectWeightFormat(path)](path);
