import { lstatSync, realpathSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RepoCache } from './cache.js';
import { WEIGHT_FILES } from './checkpoint-files.js';
import { hubSettings, type HubSettings } from './settings.js';

/**
 * Deletes a cached snapshot's weight files (model.safetensors, pytorch_model.bin) and the blobs
 * they link to, once results are stored; config and tokenizer files stay. Returns bytes freed.
 * Fetching the revision again downloads the weights again.
 */
export async function evictWeights(snapshotDir: string): Promise<number> {
  let freed = 0;
  for (const name of WEIGHT_FILES) {
    const path = join(snapshotDir, name);
    const link = lstatSync(path, { throwIfNoEntry: false });
    if (!link) continue;
    const content = statSync(path, { throwIfNoEntry: false });
    if (content) {
      freed += content.size;
      if (link.isSymbolicLink()) await rm(realpathSync(path), { force: true });
    }
    await rm(path, { force: true });
  }
  return freed;
}

/** `evictWeights` for a revision, found through the cache's refs; 0 when it was never downloaded. */
export async function evictRevision(repo: string, revision: string, hub: HubSettings = hubSettings()): Promise<number> {
  const cache = new RepoCache(hub.cacheDir, repo);
  const commit = cache.commitOf(revision);
  return commit ? evictWeights(cache.snapshotDir(commit)) : 0;
}
