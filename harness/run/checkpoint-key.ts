import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { LmbError } from '../errors.js';
import { readIfExists, updateFile } from '../files/atomic-write.js';
import type { Checkpoint } from '../model/checkpoint.js';
import { isShardIndex, weightFilePaths } from '../model/weights/shards.js';
import { storedObject } from './stored-json.js';

/**
 * Bumped whenever the runtime's numbers change (a graph or scorer fix), so answers computed
 * before are never served for the same weights. Not for float rounding: the key/value cache
 * (score/shared-context.ts) left every demo answer's verdict as it was.
 */
const RUNTIME_VERSION = 1;

/**
 * Content keys of checkpoints: what a checkpoint computes is its weights' sha256 and its effective
 * config (config.json as validated, after the suite's overrides), so a renamed run keeps its
 * answers and retrained weights or a changed override get new ones. Weight hashes are remembered
 * in `<cacheDir>/file-hashes.json` by path, size and mtime, so a file is hashed once.
 */
export class CheckpointKeys {
  constructor(readonly cacheDir: string) {}

  /** `weights`: the weight file's sha256, when the caller has it already (weightsHash). */
  key(ckpt: Pick<Checkpoint, 'weightsPath' | 'config' | 'architecture'>, weights = this.weightsHash(ckpt.weightsPath)): string {
    return createHash('sha256')
      .update(`lmb-runtime-${RUNTIME_VERSION}\0${ckpt.architecture.name}\0`).update(weights).update('\0').update(canonicalJson(ckpt.config))
      .digest('hex').slice(0, 24);
  }

  /** The sha256 of the weight file; for a shard index, of every file's name and sha256 (the index's own too). */
  weightsHash(path: string): string {
    if (!isShardIndex(path)) return this.fileHash(path);
    const files = weightFilePaths(path).map((p) => `${basename(p)}:${this.fileHash(p)}`);
    return createHash('sha256').update(`shards\0${files.join('\n')}`).digest('hex');
  }

  private fileHash(path: string): string {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) throw new LmbError('FILE_MISSING', `${path} does not exist`, 'Download the checkpoint\'s weights again (with every shard its index names)');
    if (!st.isFile()) throw new LmbError('FILE_MISSING', `${path} is not a file`, 'A checkpoint\'s weights are files (pytorch_model.bin, model.safetensors or their shards)');
    const indexPath = join(this.cacheDir, 'file-hashes.json');
    const id = `${resolve(path)}|${st.size}|${st.mtimeMs}`;
    const known = storedObject(readIfExists(indexPath))[id];
    if (typeof known === 'string') return known;
    const hash = createHash('sha256');
    const fd = openSync(path, 'r');
    const buf = Buffer.allocUnsafe(1 << 22);
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    const digest = hash.digest('hex');
    updateFile(indexPath, (current) => JSON.stringify({ ...storedObject(current), [id]: digest }));
    return digest;
  }
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v);
}
