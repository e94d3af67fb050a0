import { z } from 'zod';
import { LmbError } from '../errors.js';
import { hubFetch } from './http.js';
import type { HubSettings } from './settings.js';
import type { HubTarget } from './target.js';
import { checkRepoId, refsUrl, resolveUrl, revisionUrl } from './urls.js';

/** A file of a revision as the hub lists it. `blob` names it in the cache (the hub's ETag: LFS sha256 or git blob id). */
export interface RemoteFile {
  readonly path: string;
  readonly blob?: string;
  readonly size?: number;
  /** Content sha256 for LFS files: downloads are checked against it. */
  readonly sha256?: string;
}

export type NamedFile = RemoteFile & { readonly blob: string };

export interface RevisionInfo {
  readonly commit: string;
  readonly files: readonly RemoteFile[];
}

const RevisionJson = z.object({
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  siblings: z.array(z.object({
    rfilename: z.string(),
    blobId: z.string().optional(),
    size: z.number().optional(),
    lfs: z.object({ sha256: z.string(), size: z.number() }).optional(),
  })),
});

const RefsJson = z.object({
  branches: z.array(z.object({ name: z.string() })),
  tags: z.array(z.object({ name: z.string() })).optional(),
});

async function getJson<T>(hub: HubSettings, url: string, target: HubTarget, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
  const res = await hubFetch(hub, url, target, { signal, headers: { accept: 'application/json' } });
  const parsed = schema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) {
    throw new LmbError('HUB_RESPONSE_INVALID', `${url} did not answer with the hub's JSON (${parsed.error.issues[0]?.message})`,
      'Check HF_ENDPOINT: it must point at a Hugging Face hub');
  }
  return parsed.data;
}

/** The commit a revision points at and its files (`/api/models/{repo}/revision/{revision}?blobs=true`). */
export async function revisionInfo(hub: HubSettings, repo: string, revision: string, signal?: AbortSignal): Promise<RevisionInfo> {
  const json = await getJson(hub, revisionUrl(hub.endpoint, checkRepoId(repo), revision), { repo, revision }, RevisionJson, signal);
  return {
    commit: json.sha,
    files: json.siblings.map((s) => ({ path: s.rfilename, blob: s.lfs?.sha256 ?? s.blobId, size: s.lfs?.size ?? s.size, sha256: s.lfs?.sha256 })),
  };
}

/** Branch and tag names (`/api/models/{repo}/refs`); training checkpoints are usually branches. */
export async function listRevisions(hub: HubSettings, repo: string, signal?: AbortSignal): Promise<string[]> {
  const json = await getJson(hub, refsUrl(hub.endpoint, checkRepoId(repo)), { repo }, RefsJson, signal);
  return [...json.branches, ...(json.tags ?? [])].map((r) => r.name);
}

const normalizeEtag = (etag: string | null) => etag?.replace(/^W\//, '').replace(/"/g, '') || undefined;

/**
 * For a file the API listed without blob ids: asks the resolve URL for its ETag, as huggingface_hub
 * does (`X-Linked-Etag` is the LFS sha256; the redirect to storage is not followed).
 */
export async function completeFile(hub: HubSettings, repo: string, commit: string, file: RemoteFile, signal?: AbortSignal): Promise<NamedFile> {
  if (file.blob) return { ...file, blob: file.blob };
  const target = { repo, revision: commit, file: file.path };
  const head = (url: string) => hubFetch(hub, url, target, { method: 'HEAD', redirect: 'manual', signal, headers: { 'accept-encoding': 'identity' } });
  let url = resolveUrl(hub.endpoint, repo, commit, file.path);
  let res = await head(url);
  // The hub answers small files with a relative redirect to its resolve cache: followed, as
  // huggingface_hub does. An LFS file's redirect (to storage, with X-Linked-Etag) is not.
  for (let hops = 0; hops < 5 && res.status >= 300 && res.status < 400 && !res.headers.get('x-linked-etag'); hops++) {
    const location = res.headers.get('location');
    const next = location ? new URL(location, url) : undefined;
    if (!next || next.origin !== new URL(url).origin) break;
    url = next.href;
    res = await head(url);
  }
  const linked = normalizeEtag(res.headers.get('x-linked-etag'));
  const blob = linked ?? normalizeEtag(res.headers.get('etag'));
  if (!blob) {
    throw new LmbError('HUB_RESPONSE_INVALID', `the hub gave no ETag for ${repo} file ${file.path}`, 'Check HF_ENDPOINT: it must point at a Hugging Face hub');
  }
  const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length'));
  return {
    ...file,
    blob,
    size: file.size ?? (Number.isFinite(size) && size > 0 ? size : undefined),
    sha256: linked && /^[0-9a-f]{64}$/.test(linked) ? linked : undefined,
  };
}
