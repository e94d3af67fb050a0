import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RepoCache } from './cache.js';
import { isShardIndex, readShardIndex } from '../model/weights/shards.js';
import { WEIGHT_FILES } from './checkpoint-files.js';
import { hubSettings, type HubSettings } from './settings.js';

/**
 * Deletes a cached snapshot's weight files (model.safetensors, pytorch_model.bin, shards) and the blobs
 * they link to, once results are stored; config and tokenizer files stay. A blob another
 * snapshot still links to (two revisions with identical weights, as Pythia's step0 and step1)
 * stays too. Returns bytes freed. Fetching the revision again downloads the weights again.
 */
export async function evictWeights(snapshotDir: string): Promise<number> {
  let freed = 0;
  let keep: Set<string> | undefined;
  for (const name of weightNames(snapshotDir)) {
    const path = join(snapshotDir, name);
    const link = lstatSync(path, { throwIfNoEntry: false });
    if (!link) continue;
    const content = statSync(path, { throwIfNoEntry: false });
    if (content && link.isSymbolicLink()) {
      const blob = realpathSync(path);
      if (!(keep ??= blobsLinkedElsewhere(snapshotDir)).has(blob)) {
        freed += content.size;
        await rm(blob, { force: true });
      }
    } else if (content) freed += content.size;
    await rm(path, { force: true });
  }
  return freed;
}

/** The weight files a snapshot holds, shards included (their index is read before it goes). */
function weightNames(dir: string): string[] {
  return WEIGHT_FILES.flatMap((name) => {
    const path = join(dir, name);
    if (!isShardIndex(name) || !statSync(path, { throwIfNoEntry: false })) return [name];
    try {
      return [...readShardIndex(path).shards, name];
    } catch {
      return [name]; // an unreadable index still goes; the shards it named cannot be known
    }
  });
}

/** The blobs the repo's other snapshots link their weight files to: read once per eviction. */
function blobsLinkedElsewhere(snapshotDir: string): Set<string> {
  const snapshots = dirname(snapshotDir);
  const blobs = new Set<string>();
  for (const other of readdirSync(snapshots)) {
    const dir = join(snapshots, other);
    if (dir === snapshotDir) continue;
    for (const name of weightNames(dir)) {
      const path = join(dir, name);
      if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })) blobs.add(realpathSync(path));
    }
  }
  return blobs;
}

/** `evictWeights` for a revision, found through the cache's refs; 0 when it was never downloaded. */
export async function evictRevision(repo: string, revision: string, hub: HubSettings = hubSettings()): Promise<number> {
  const cache = new RepoCache(hub.cacheDir, repo);
  const commit = cache.commitOf(revision);
  return commit ? evictWeights(cache.snapshotDir(commit)) : 0;
}
