import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { checkpointFiles } from '../../harness/hub/checkpoint-files.js';
import { evictRevision } from '../../harness/hub/evict.js';
import { hubFetch } from '../../harness/hub/http.js';
import { watchDownloads, type DownloadProgress } from '../../harness/hub/progress.js';
import { hubSettings, type HubSettings } from '../../harness/hub/settings.js';
import { downloadSnapshot } from '../../harness/hub/snapshot.js';
import { resolveUrl } from '../../harness/hub/urls.js';
import { checkpointFixture, commitOf, gitBlobId, LocalHub, sha256 } from '../support/local-hub.js';

const REPO = 'org/tiny-run';
const files = { c0: checkpointFixture(0), c10: checkpointFixture(10) };
const weights0 = files.c0.find((f) => f.path === 'pytorch_model.bin')!.content;
const config = files.c0.find((f) => f.path === 'config.json')!.content;
const vocab = files.c0.find((f) => f.path === 'vocab.json')!.content;

let hub: LocalHub;
const root = mkdtempSync(join(tmpdir(), 'lmb-hub-'));
let caches = 0;

beforeAll(async () => {
  hub = await LocalHub.start({
    // 'checkpoint-1' holds the same weights as 'checkpoint-0' (as Pythia's step0 and step1 do).
    [REPO]: { 'checkpoint-0': files.c0, 'checkpoint-1': files.c0, 'checkpoint-10': files.c10, 'no-weights': files.c0.slice(0, 2) },
  });
});
afterEach(() => hub.heal());
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

/** Settings against the local hub with a cache of their own (or the one given). */
function local(env: Record<string, string> = {}, over: Partial<HubSettings> = {}): HubSettings {
  return hubSettings({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(root, `cache-${caches++}`), ...env }, { retryDelayMs: 1, ...over });
}
const fetchCheckpoint = (hubS: HubSettings, revision = 'checkpoint-0', onProgress?: (p: DownloadProgress) => void) =>
  downloadSnapshot(REPO, revision, { hub: hubS, choose: checkpointFiles, onProgress });
const repoDir = (s: HubSettings) => join(s.cacheDir, 'models--org--tiny-run');
const weightDownloads = () => hub.downloads().filter((r) => r.path.endsWith('/pytorch_model.bin'));

async function rejection(p: Promise<unknown>): Promise<LmbError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(LmbError);
  return e as LmbError;
}

describe('downloadSnapshot', () => {
  it('lays a checkpoint out in the Hugging Face cache: blobs, relative symlinks, refs', async () => {
    const s = local();
    const dir = await fetchCheckpoint(s);
    const commit = commitOf(REPO, 'checkpoint-0');
    expect(dir).toBe(join(repoDir(s), 'snapshots', commit));
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'pytorch_model.bin', 'vocab.json']); // no optimizer.pt
    expect(readFileSync(join(dir, 'pytorch_model.bin'))).toEqual(weights0);
    expect(readlinkSync(join(dir, 'pytorch_model.bin'))).toBe(`../../blobs/${sha256(weights0)}`);
    expect(readlinkSync(join(dir, 'config.json'))).toBe(`../../blobs/${gitBlobId(config)}`);
    expect(readFileSync(join(repoDir(s), 'refs', 'checkpoint-0'), 'utf8')).toBe(commit);
    expect(readdirSync(join(repoDir(s), 'blobs')).filter((f) => f.endsWith('.incomplete'))).toEqual([]);
  });

  it('retries a 500 in the middle of a download and succeeds', async () => {
    hub.truncateNext('pytorch_model.bin', 1, 3000);
    hub.failNext('pytorch_model.bin', 2, 500);
    const dir = await fetchCheckpoint(local());
    expect(readFileSync(join(dir, 'pytorch_model.bin'))).toEqual(weights0);
    expect(weightDownloads().map((r) => [r.status, r.range])).toEqual([[200, undefined], [500, 'bytes=3000-'], [500, 'bytes=3000-'], [206, 'bytes=3000-']]);
  });

  it('waits out rate limits as long as the hub\'s RateLimit header says, however many, instead of giving up', async () => {
    hub.rateLimitNext('pytorch_model.bin', 2, 1);
    hub.rateLimitNext('config.json', 4, 0);
    const waits: [number, string][] = [];
    const dir = await fetchCheckpoint(local({}, { retries: 2, onRateLimit: (ms, what) => waits.push([ms, what]) }));
    expect(readFileSync(join(dir, 'pytorch_model.bin'))).toEqual(weights0);
    expect(waits.filter(([, w]) => w.endsWith('pytorch_model.bin'))).toEqual([[1000, `${REPO} revision checkpoint-0 file pytorch_model.bin`], [1000, `${REPO} revision checkpoint-0 file pytorch_model.bin`]]);
    expect(waits.filter(([, w]) => w.endsWith('config.json')).map(([ms]) => ms)).toEqual([1, 1, 1, 1]);
  });

  it('an expired storage link (403 from storage after the redirect) is asked of the hub again, not blamed on the token', async () => {
    hub.expireNext('pytorch_model.bin', 2);
    const dir = await fetchCheckpoint(local({}, { retries: 3 }));
    expect(readFileSync(join(dir, 'pytorch_model.bin'))).toEqual(weights0);
    const resolves = hub.requests.filter((r) => r.method === 'GET' && r.path.includes('/resolve/') && r.path.endsWith('/pytorch_model.bin'));
    expect(resolves.length).toBe(3);
    hub.expireNext('pytorch_model.bin', 5);
    const e = await rejection(fetchCheckpoint(local({}, { retries: 2 })));
    expect(e.oneLine()).toMatch(/storage refused .* \(HTTP 403\) after 2 fresh redirects\. The storage links keep expiring/);
  });

  it('gives up after the configured tries when the hub keeps failing', async () => {
    hub.failNext('pytorch_model.bin', 10, 503);
    const e = await rejection(fetchCheckpoint(local({}, { retries: 3 })));
    expect(e.oneLine()).toBe(`the hub answered HTTP 503 after 3 tries for ${REPO} revision checkpoint-0 file pytorch_model.bin. The hub is failing or rate-limiting; try again later`);
    expect(weightDownloads()).toHaveLength(3);
  });

  it('resumes a truncated transfer with a Range request', async () => {
    hub.truncateNext('pytorch_model.bin', 2, 3000);
    const seen: DownloadProgress[] = [];
    const dir = await fetchCheckpoint(local(), 'checkpoint-0', (p) => p.file === 'pytorch_model.bin' && seen.push(p));
    expect(readFileSync(join(dir, 'pytorch_model.bin'))).toEqual(weights0);
    expect(weightDownloads().map((r) => r.range)).toEqual([undefined, 'bytes=3000-', 'bytes=6000-']);
    expect(seen.at(-1)).toMatchObject({ repo: REPO, revision: 'checkpoint-0', done: weights0.length, total: weights0.length });
    expect(seen.every((p, i) => i === 0 || p.done >= seen[i - 1].done)).toBe(true);
  });

  it('restarts from the first byte when the server ignores Range', async () => {
    hub.ignoreRange = true;
    hub.truncateNext('pytorch_model.bin', 1, 3000);
    const dir = await fetchCheckpoint(local());
    expect(readFileSync(join(dir, 'pytorch_model.bin'))).toEqual(weights0);
  });

  it('resumes a partial download left by an earlier run, checking the whole file', async () => {
    const s = local();
    mkdirSync(join(repoDir(s), 'blobs'), { recursive: true });
    writeFileSync(join(repoDir(s), 'blobs', `${sha256(weights0)}.incomplete`), weights0.subarray(0, 5000));
    const dir = await fetchCheckpoint(s);
    expect(readFileSync(join(dir, 'pytorch_model.bin'))).toEqual(weights0);
    expect(weightDownloads().map((r) => r.range)).toEqual(['bytes=5000-']);
  });

  it('a checksum mismatch is an error and leaves nothing in the cache', async () => {
    hub.corrupt('pytorch_model.bin');
    const s = local();
    const e = await rejection(fetchCheckpoint(s));
    expect(e.code).toBe('HUB_CHECKSUM_MISMATCH');
    expect(e.message).toContain(`${REPO} revision checkpoint-0 file pytorch_model.bin`);
    expect(e.message).toContain(sha256(weights0));
    expect(readdirSync(join(repoDir(s), 'blobs')).filter((f) => f.startsWith(sha256(weights0)))).toEqual([]);
    expect(existsSync(join(repoDir(s), 'snapshots', commitOf(REPO, 'checkpoint-0'), 'pytorch_model.bin'))).toBe(false);
    expect(existsSync(join(repoDir(s), 'refs', 'checkpoint-0'))).toBe(false);
  });

  it('a corrupt partial left by an earlier run is caught, deleted, and the next try succeeds', async () => {
    const s = local();
    const partial = join(repoDir(s), 'blobs', `${sha256(weights0)}.incomplete`);
    mkdirSync(join(repoDir(s), 'blobs'), { recursive: true });
    writeFileSync(partial, Buffer.alloc(5000, 7));
    expect((await rejection(fetchCheckpoint(s))).code).toBe('HUB_CHECKSUM_MISMATCH');
    expect(existsSync(partial)).toBe(false);
    expect(readFileSync(join(await fetchCheckpoint(s), 'pytorch_model.bin'))).toEqual(weights0);
  });

  it('asks the resolve URL for ETags when the listing has no blob ids, and still checks the sha256', async () => {
    hub.bareListing = true;
    const s = local();
    const dir = await fetchCheckpoint(s);
    expect(readlinkSync(join(dir, 'pytorch_model.bin'))).toBe(`../../blobs/${sha256(weights0)}`);
    expect(readlinkSync(join(dir, 'config.json'))).toBe(`../../blobs/${gitBlobId(config)}`);
    const heads = hub.requests.filter((r) => r.method === 'HEAD');
    expect(heads.map((r) => [r.path.split('/').pop(), r.status])).toEqual([['config.json', 200], ['vocab.json', 200], ['pytorch_model.bin', 302]]);
    hub.corrupt('pytorch_model.bin');
    expect((await rejection(fetchCheckpoint(local()))).code).toBe('HUB_CHECKSUM_MISMATCH');
  });

  it('follows the hub\'s relative redirect of a small file to its resolve cache, for the ETag and for the bytes', async () => {
    hub.bareListing = true;
    hub.resolveCache = true;
    const dir = await fetchCheckpoint(local());
    expect(readlinkSync(join(dir, 'config.json'))).toBe(`../../blobs/${gitBlobId(config)}`);
    expect(readFileSync(join(dir, 'vocab.json'))).toEqual(vocab);
    const heads = hub.requests.filter((r) => r.method === 'HEAD').map((r) => [r.path.split('/').slice(0, 3).join('/'), r.path.split('/').pop(), r.status]);
    expect(heads).toEqual([
      ['/org/tiny-run', 'config.json', 307], ['/api/resolve-cache', 'config.json', 200],
      ['/org/tiny-run', 'vocab.json', 307], ['/api/resolve-cache', 'vocab.json', 200],
      ['/org/tiny-run', 'pytorch_model.bin', 302],
    ]);
  });

  it('names the repo and revision when the revision does not exist', async () => {
    const e = await rejection(fetchCheckpoint(local(), 'checkpoint-999'));
    expect(e.code).toBe('HUB_REVISION_MISSING');
    expect(e.oneLine()).toBe(`hub repo ${REPO} has no revision "checkpoint-999". Check the revision name; the repo's branches and tags are listed at ${hub.url}/api/models/${REPO}/refs`);
  });

  it('names what is missing: a repo, a file, or the weights of a revision', async () => {
    const s = local();
    const repo = await rejection(downloadSnapshot('org/nope', 'main', { hub: s }));
    expect(repo.code).toBe('HUB_REPO_MISSING');
    expect(repo.message).toContain('org/nope');
    const file = await rejection(hubFetch(s, resolveUrl(s.endpoint, REPO, 'checkpoint-0', 'nope.bin'), { repo: REPO, revision: 'checkpoint-0', file: 'nope.bin' }));
    expect(file.oneLine()).toMatch(/^hub repo org\/tiny-run has no file "nope.bin" at revision "checkpoint-0"\. /);
    const weights = await rejection(fetchCheckpoint(s, 'no-weights'));
    expect(weights.code).toBe('HUB_FILES_MISSING');
    expect(weights.message).toContain('revision no-weights has no model.safetensors or pytorch_model.bin (or a shard index of either) (it has: config.json, vocab.json)');
  });

  it('sends HF_TOKEN as a bearer token, and says to set it when the hub refuses', async () => {
    hub.token = 'hf_test_token';
    const e = await rejection(fetchCheckpoint(local()));
    expect(e.code).toBe('HUB_ACCESS_REFUSED');
    expect(e.fix).toContain('Set HF_TOKEN');
    // A wrong token is said to be invalid, not to need the repo's terms accepted.
    const wrong = await rejection(fetchCheckpoint(local({ HF_TOKEN: 'hf_wrong' })));
    expect(wrong.fix).toMatch(/^The hub token \(HF_TOKEN, HUGGING_FACE_HUB_TOKEN or the one hf auth login saved\) is invalid or expired/);
    hub.requests.length = 0;
    const dir = await fetchCheckpoint(local({ HF_TOKEN: 'hf_test_token' }));
    expect(readFileSync(join(dir, 'pytorch_model.bin'))).toEqual(weights0);
    const toHub = hub.requests.filter((r) => !r.path.startsWith('/storage/'));
    expect(toHub.length).toBeGreaterThanOrEqual(3);
    expect(toHub.every((r) => r.authorization === 'Bearer hf_test_token')).toBe(true);
    // The token stays with the hub: storage, on its own address, refuses any Authorization header.
    const toStorage = hub.requests.filter((r) => r.path.startsWith('/storage/'));
    expect(toStorage.length).toBeGreaterThanOrEqual(1);
    expect(toStorage.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('gives up on an unreachable endpoint with a clear error', async () => {
    const s = hubSettings({ HF_ENDPOINT: 'http://127.0.0.1:1', HF_HUB_CACHE: join(root, 'unreachable') }, { retries: 2, retryDelayMs: 1 });
    const e = await rejection(fetchCheckpoint(s));
    expect(e.code).toBe('HUB_UNREACHABLE');
    expect(e.oneLine()).toContain('cannot reach http://127.0.0.1:1 for org/tiny-run revision checkpoint-0');
  });

  it('stops at once when aborted', async () => {
    const reason = new Error('user stopped');
    await expect(downloadSnapshot(REPO, 'checkpoint-0', { hub: local(), signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('the cache', () => {
  it('a second fetch downloads nothing, and blobs shared between revisions are downloaded once', async () => {
    const s = local();
    const first = await fetchCheckpoint(s);
    hub.requests.length = 0;
    expect(await fetchCheckpoint(s)).toBe(first);
    expect(hub.fileRequests()).toEqual([]);
    await fetchCheckpoint(s, 'checkpoint-10');
    expect(hub.downloads().map((r) => r.path)).toEqual([`/storage/${REPO}/${commitOf(REPO, 'checkpoint-10')}/pytorch_model.bin`]);
  });

  it('fetching the same checkpoint twice at once downloads each file once', async () => {
    const s = local();
    const [a, b] = await Promise.all([fetchCheckpoint(s), fetchCheckpoint(s)]);
    expect(a).toBe(b);
    expect(weightDownloads()).toHaveLength(1);
    expect(readFileSync(join(a, 'pytorch_model.bin'))).toEqual(weights0);
  });

  it('reuses a cache laid out by huggingface_hub', async () => {
    const s = local();
    const commit = commitOf(REPO, 'checkpoint-0');
    const blobs = join(repoDir(s), 'blobs');
    const snapshot = join(repoDir(s), 'snapshots', commit);
    mkdirSync(blobs, { recursive: true });
    mkdirSync(snapshot, { recursive: true });
    mkdirSync(join(repoDir(s), 'refs'));
    for (const [name, blob, content] of [['config.json', gitBlobId(config), config], ['vocab.json', gitBlobId(vocab), vocab], ['pytorch_model.bin', sha256(weights0), weights0]] as const) {
      writeFileSync(join(blobs, blob), content);
      symlinkSync(`../../blobs/${blob}`, join(snapshot, name));
    }
    writeFileSync(join(repoDir(s), 'refs', 'checkpoint-0'), commit);
    const before = statSync(join(blobs, sha256(weights0))).mtimeMs;
    expect(await fetchCheckpoint(s)).toBe(snapshot);
    expect(hub.fileRequests()).toEqual([]);
    expect(statSync(join(blobs, sha256(weights0))).mtimeMs).toBe(before);
  });

  it('offline mode serves cached checkpoints without a request and names what is missing', async () => {
    const cache = join(root, 'offline-cache');
    const online = local({ HF_HUB_CACHE: cache });
    const dir = await fetchCheckpoint(online);
    hub.requests.length = 0;
    const offline = local({ HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' });
    expect(offline.offline).toBe(true);
    expect(await fetchCheckpoint(offline)).toBe(dir);
    const missing = await rejection(fetchCheckpoint(offline, 'checkpoint-10'));
    expect(missing.code).toBe('HUB_OFFLINE_MISSING');
    expect(missing.oneLine()).toContain(`HF_HUB_OFFLINE is set and ${REPO} revision checkpoint-10 is not in the cache ${cache}`);
    await evictRevision(REPO, 'checkpoint-0', online);
    const evicted = await rejection(fetchCheckpoint(offline));
    expect(evicted.message).toContain('lacks model.safetensors or pytorch_model.bin');
    expect(hub.requests).toEqual([]);
  });

  it('evict deletes the weights and keeps config and tokenizer; a later fetch downloads only the weights', async () => {
    const s = local();
    const dir = await fetchCheckpoint(s);
    expect(await evictRevision(REPO, 'checkpoint-0', s)).toBe(weights0.length);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'vocab.json']);
    expect(existsSync(join(repoDir(s), 'blobs', sha256(weights0)))).toBe(false);
    expect(await evictRevision(REPO, 'checkpoint-0', s)).toBe(0);
    expect(await evictRevision(REPO, 'checkpoint-10', s)).toBe(0); // never downloaded
    hub.requests.length = 0;
    await fetchCheckpoint(s);
    expect(hub.downloads().map((r) => r.path.split('/').pop())).toEqual(['pytorch_model.bin']);
    expect(readFileSync(join(dir, 'pytorch_model.bin'))).toEqual(weights0);
  });

  it('evict keeps a blob that another cached revision still links to (identical weights)', async () => {
    const s = local();
    const first = await fetchCheckpoint(s, 'checkpoint-0');
    const twin = await fetchCheckpoint(s, 'checkpoint-1');
    expect(realpathSync(join(first, 'pytorch_model.bin'))).toBe(realpathSync(join(twin, 'pytorch_model.bin')));
    expect(await evictRevision(REPO, 'checkpoint-0', s)).toBe(0);
    expect(existsSync(join(first, 'pytorch_model.bin'))).toBe(false);
    expect(readFileSync(join(twin, 'pytorch_model.bin'))).toEqual(weights0);
    // The last link to it goes: now the blob goes too.
    expect(await evictRevision(REPO, 'checkpoint-1', s)).toBe(weights0.length);
    expect(existsSync(join(repoDir(s), 'blobs', sha256(weights0)))).toBe(false);
  });
});

describe('progress', () => {
  it('reports bytes done and total per file, to the caller and to watchers', async () => {
    const watched: DownloadProgress[] = [];
    const stop = watchDownloads((p) => watched.push(p));
    try {
      await fetchCheckpoint(local());
    } finally {
      stop();
    }
    const last = (file: string) => watched.filter((p) => p.file === file).at(-1);
    expect(last('pytorch_model.bin')).toEqual({ repo: REPO, revision: 'checkpoint-0', file: 'pytorch_model.bin', done: weights0.length, total: weights0.length });
    expect(last('config.json')).toMatchObject({ done: config.length, total: config.length });
    const count = watched.length;
    await fetchCheckpoint(local());
    expect(watched.length).toBe(count); // unsubscribed
  });
});
