import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LmbError } from '../errors.js';
import { readShardIndex } from '../model/weights/shards.js';
import { completeFile, revisionInfo, type NamedFile } from './api.js';
import { RepoCache } from './cache.js';
import { allFiles, type ChooseFiles } from './checkpoint-files.js';
import { downloadBlob } from './download.js';
import type { ProgressListener } from './progress.js';
import { hubSettings, type HubSettings } from './settings.js';
import { resolveUrl } from './urls.js';

export interface SnapshotOptions {
  /** Default: read from the environment now (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, HF_HUB_OFFLINE, …). */
  readonly hub?: HubSettings;
  /** Which of the revision's files to fetch; also what a cached snapshot must hold offline. Default: all. */
  readonly choose?: ChooseFiles;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}

/**
 * Makes a revision's files available in the Hugging Face cache and returns its snapshot
 * directory (`…/snapshots/{commit}`). Files already in the cache are not requested again.
 */
export async function downloadSnapshot(repo: string, revision: string, opts: SnapshotOptions = {}): Promise<string> {
  const hub = opts.hub ?? hubSettings();
  const choose = opts.choose ?? allFiles;
  const cache = new RepoCache(hub.cacheDir, repo);
  if (hub.offline) return cachedSnapshot(cache, revision, choose, hub);

  const info = await revisionInfo(hub, repo, revision, opts.signal);
  const choice = choose(info.files.map((f) => f.path));
  if (choice.missing.length > 0) {
    throw new LmbError('HUB_FILES_MISSING', `hub repo ${repo} revision ${revision} has no ${choice.missing.join(' and ')} (it has: ${listed(info.files.map((f) => f.path))})`,
      'Pick a revision that holds a saved model');
  }
  const fetchAll = async (wanted: ReadonlySet<string>) => {
    for (const listedFile of info.files.filter((f) => wanted.has(f.path))) {
      if (existsSync(cache.pointerPath(info.commit, listedFile.path))) continue;
      const file = await completeFile(hub, repo, info.commit, listedFile, opts.signal);
      await fetchFile(hub, cache, revision, info.commit, file, opts);
    }
  };
  await fetchAll(new Set(choice.files));
  if (choice.shardIndex) {
    const shards = readShardIndex(join(cache.snapshotDir(info.commit), choice.shardIndex)).shards;
    const absent = shards.filter((s) => !info.files.some((f) => f.path === s));
    if (absent.length > 0) {
      throw new LmbError('HUB_FILES_MISSING', `hub repo ${repo} revision ${revision} lacks ${listed(absent)}, which its ${choice.shardIndex} names`,
        'Pick a revision whose upload finished, or ask its owners to re-upload the shards');
    }
    await fetchAll(new Set(shards));
  }
  cache.writeRef(revision, info.commit);
  return cache.snapshotDir(info.commit);
}

async function fetchFile(hub: HubSettings, cache: RepoCache, revision: string, commit: string, file: NamedFile, opts: SnapshotOptions): Promise<void> {
  const blobPath = cache.blobPath(file.blob);
  await downloadBlob(hub, {
    url: resolveUrl(hub.endpoint, cache.repo, commit, file.path),
    blobPath,
    target: { repo: cache.repo, revision, file: file.path },
    size: file.size,
    sha256: file.sha256,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  cache.link(file.blob, commit, file.path);
}

/** Offline: the snapshot a revision resolved to when it was downloaded, if it holds what `choose` needs. */
function cachedSnapshot(cache: RepoCache, revision: string, choose: ChooseFiles, hub: HubSettings): string {
  const commit = cache.commitOf(revision);
  const dir = commit && cache.snapshotDir(commit);
  const fix = 'Run once without HF_HUB_OFFLINE to download it, or set HF_HUB_CACHE to the cache that holds it';
  if (!dir || !existsSync(dir)) {
    throw new LmbError('HUB_OFFLINE_MISSING', `HF_HUB_OFFLINE is set and ${cache.repo} revision ${revision} is not in the cache ${hub.cacheDir}`, fix);
  }
  const present = filesIn(dir);
  const choice = choose(present);
  const missing = [...choice.missing, ...(choice.shardIndex ? readShardIndex(join(dir, choice.shardIndex)).shards.filter((s) => !present.includes(s)) : [])];
  if (missing.length > 0) {
    throw new LmbError('HUB_OFFLINE_MISSING', `HF_HUB_OFFLINE is set and the cached ${cache.repo} revision ${revision} (${dir}) lacks ${missing.join(' and ')}`, fix);
  }
  return dir;
}

/** Files of a snapshot whose content is there (a link whose blob was evicted does not count). */
function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile())
    .map((path) => relative(dir, path).split('\\').join('/'));
}

const listed = (names: string[]) => (names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ') || 'no files');
