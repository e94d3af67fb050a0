/**
 * Sharded checkpoints: `model.safetensors.index.json` or `pytorch_model.bin.index.json`, whose
 * `weight_map` names the shard (a file next to it) holding each tensor, as Hugging Face saves
 * models over its shard size.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LmbError, thrownLine } from '../../errors.js';
import type { TensorEntry, WeightFile } from './tensor.js';

export const SHARD_INDEX_SUFFIX = '.index.json';

export const isShardIndex = (path: string): boolean => basename(path).endsWith(SHARD_INDEX_SUFFIX);

// An index is JSON naming tensors; Pythia-12B's is 60 KB.
const MAX_INDEX_BYTES = 64 << 20;

export interface ShardIndex {
  /** Shard file names, in the order the index first names them. */
  readonly shards: readonly string[];
  /** Tensor name to shard file name. */
  readonly weightMap: ReadonlyMap<string, string>;
}

function invalid(path: string, what: string): LmbError {
  return new LmbError('CHECKPOINT_CORRUPT', `${path} is not a valid shard index: ${what}`,
    'Re-download the index and its shards; it must be {"weight_map": {"<tensor>": "<shard file>", ...}}');
}

export function readShardIndex(path: string): ShardIndex {
  let raw: unknown;
  try {
    const text = readFileSync(path);
    if (text.length > MAX_INDEX_BYTES) throw invalid(path, `${text.length} bytes, over the ${MAX_INDEX_BYTES >> 20} MiB limit`);
    raw = JSON.parse(text.toString('utf8'));
  } catch (e) {
    if (e instanceof LmbError) throw e;
    if ((e as NodeJS.ErrnoException).code) {
      throw new LmbError('FILE_MISSING', `cannot read shard index ${path} (${(e as NodeJS.ErrnoException).code})`, 'Check the checkpoint path');
    }
    throw invalid(path, thrownLine(e, 120));
  }
  const map = (raw as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw invalid(path, 'it has no "weight_map" object');
  const weightMap = new Map<string, string>();
  for (const [tensor, shard] of Object.entries(map)) {
    // A shard is a file next to the index: a path elsewhere could read any file on the machine.
    if (typeof shard !== 'string' || shard === '' || /[\\/]|^\.\.?$/.test(shard)) {
      throw invalid(path, `tensor "${tensor}" maps to ${JSON.stringify(shard).slice(0, 80)}, not a file name next to the index`);
    }
    weightMap.set(tensor, shard);
  }
  if (weightMap.size === 0) throw invalid(path, 'its "weight_map" is empty');
  return { shards: [...new Set(weightMap.values())], weightMap };
}

/** Paths of the index's shards, next to it. */
export function shardPaths(indexPath: string): string[] {
  return readShardIndex(indexPath).shards.map((s) => join(dirname(indexPath), s));
}

/**
 * One WeightFile over every shard an index names, holding the tensors the index maps to each;
 * `open` opens one shard (any single-file format).
 */
export function openShards(indexPath: string, open: (path: string) => WeightFile): WeightFile {
  const { shards, weightMap } = readShardIndex(indexPath);
  const opened: WeightFile[] = [];
  const close = () => opened.forEach((f) => f.close());
  try {
    const byShard = new Map<string, WeightFile>();
    for (const shard of shards) {
      const file = open(join(dirname(indexPath), shard));
      opened.push(file);
      byShard.set(shard, file);
    }
    const tensors = new Map<string, TensorEntry>();
    for (const [name, shard] of weightMap) {
      const t = byShard.get(shard)!.tensors.get(name);
      if (!t) {
        throw new LmbError('CHECKPOINT_CORRUPT', `${indexPath} maps tensor "${name}" to ${shard}, which does not hold it`,
          'Re-download the index and its shards: they come from different saves');
      }
      tensors.set(name, t);
    }
    return { path: indexPath, tensors, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** The files a checkpoint's weights are: the one file, or an index and its shards. */
export function weightFilePaths(path: string): string[] {
  return isShardIndex(path) ? [path, ...shardPaths(path)] : [path];
}
