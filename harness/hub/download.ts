import { existsSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LmbError } from '../errors.js';
import { withLock } from '../files/lock.js';
import { hubFetch, waitBeforeRetry } from './http.js';
import { PrefixHash } from './prefix-hash.js';
import { reportProgress, type ProgressListener } from './progress.js';
import type { HubSettings } from './settings.js';
import { describeTarget, type HubTarget } from './target.js';

export interface BlobDownload {
  readonly url: string;
  readonly blobPath: string;
  /** Repo, revision and file, for messages and progress. */
  readonly target: Required<HubTarget>;
  readonly size?: number;
  /** Checked before the blob is kept (LFS files). */
  readonly sha256?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}

const busy = new Map<string, Promise<void>>();

/**
 * Downloads a file into `blobPath`, never leaving a wrong file there: bytes go to
 * `blobPath.incomplete` (resumed with a Range request after a dropped connection or in a later
 * run), are checked against the hub's size and sha256, and only then renamed into place.
 * Downloads of the same blob wait for each other, within this process and (through a lock file
 * beside the blob) across processes sharing the cache; the later one finds the blob there.
 */
export function downloadBlob(hub: HubSettings, d: BlobDownload): Promise<void> {
  const before = busy.get(d.blobPath) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(() =>
    existsSync(d.blobPath) ? undefined : withLock(`${d.blobPath}.lock`, async () => (existsSync(d.blobPath) ? undefined : fetchBlob(hub, d))));
  busy.set(d.blobPath, mine);
  const release = () => {
    if (busy.get(d.blobPath) === mine) busy.delete(d.blobPath);
  };
  mine.then(release, release);
  return mine;
}

async function fetchBlob(hub: HubSettings, d: BlobDownload): Promise<void> {
  const tmp = `${d.blobPath}.incomplete`;
  await mkdir(dirname(tmp), { recursive: true });
  const hash = d.sha256 ? new PrefixHash(tmp) : undefined;
  for (let stalled = 0; ;) {
    const had = sizeOf(tmp);
    if (d.size !== undefined && had > d.size) await rm(tmp);
    else if ((d.size !== undefined && had === d.size) || (await appendRest(hub, d, tmp, had, hash))) break;
    const has = sizeOf(tmp);
    stalled = has > had ? 0 : stalled + 1; // a transfer that made progress resumes at once
    if (stalled >= hub.retries) {
      throw new LmbError('HUB_TRANSFER_FAILED', `download of ${describeTarget(d.target)} stopped at ${has} of ${d.size ?? '?'} bytes ${stalled} times in a row`,
        'Check the connection and run again: the download resumes where it stopped');
    }
    if (stalled > 0) await waitBeforeRetry(hub, stalled, d.signal);
  }
  await verify(d, tmp, hash);
  await rename(tmp, d.blobPath);
}

/** Appends the file's remaining bytes from `from` (or restarts if the server ignores Range); true when complete. */
async function appendRest(hub: HubSettings, d: BlobDownload, tmp: string, from: number, hash?: PrefixHash): Promise<boolean> {
  const res = await hubFetch(hub, d.url, d.target, {
    signal: d.signal,
    pass: [416],
    headers: { 'accept-encoding': 'identity', ...(from > 0 ? { range: `bytes=${from}-` } : {}) },
  });
  const range = parseContentRange(res.headers.get('content-range'));
  if (res.status === 416 || (res.status === 206 && range.start !== from)) {
    await res.body?.cancel();
    if (res.status === 416 && range.total === from) return true;
    await rm(tmp, { force: true });
    return false;
  }
  const start = res.status === 206 ? from : 0;
  const length = Number(res.headers.get('content-length') ?? NaN);
  const total = d.size ?? range.total ?? (Number.isFinite(length) ? start + length : undefined);
  await hash?.catchUp(start);
  const file = await open(tmp, start > 0 ? 'a' : 'w');
  let done = start;
  try {
    const reader = res.body!.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        d.signal?.throwIfAborted();
        return false; // connection dropped: resume from what is on disk
      }
      if (chunk.done) break;
      await file.write(chunk.value);
      hash?.update(chunk.value);
      done += chunk.value.length;
      reportProgress({ ...d.target, done, total }, d.onProgress);
    }
  } finally {
    await file.close();
  }
  return total === undefined || done >= total;
}

async function verify(d: BlobDownload, tmp: string, hash?: PrefixHash): Promise<void> {
  const size = sizeOf(tmp);
  let problem: string | undefined;
  if (d.size !== undefined && size !== d.size) problem = `${size} bytes but the hub lists ${d.size}`;
  else if (hash && d.sha256) {
    await hash.catchUp(size);
    const got = hash.digest();
    if (got !== d.sha256) problem = `sha256 ${got} but the hub lists ${d.sha256}`;
  }
  if (!problem) return;
  await rm(tmp, { force: true });
  throw new LmbError('HUB_CHECKSUM_MISMATCH', `downloaded ${describeTarget(d.target)} has ${problem}; nothing was kept`,
    'Run again to download it afresh; if it fails again, something between you and the hub alters the file');
}

function parseContentRange(header: string | null): { start?: number; total?: number } {
  const m = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!m) return {};
  return { start: m[1] === undefined ? undefined : Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) };
}

const sizeOf = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
