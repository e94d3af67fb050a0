/**
 * A Hugging Face hub on 127.0.0.1 for tests: model repos with branches, the hub's URL layout and
 * API JSON (`/api/models/{repo}/refs`, `/api/models/{repo}/revision/{rev}?blobs=true`,
 * `/{repo}/resolve/{rev}/{file}` with ETag / X-Linked-Etag / X-Repo-Commit, LFS files redirected
 * to storage on a second address as the real hub redirects to its CDN, Range requests), plus
 * switches that inject faults: 5xx, truncation, rate limits with the hub's RateLimit headers,
 * expired storage links, the resolve-cache redirect of small files.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixtureFile {
  readonly path: string;
  readonly content: Buffer;
  /** Stored in LFS: listed with sha256, served through a redirect. */
  readonly lfs?: boolean;
}

/** repo id → branch name → files. */
export type HubFixture = Record<string, Record<string, readonly FixtureFile[]>>;

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly range?: string;
  readonly authorization?: string;
  /** The status answered. */
  status?: number;
}

interface Fault {
  readonly file: string;
  times: number;
  readonly apply: (res: ServerResponse, body: Buffer, start: number) => void;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** The git blob id, which the hub gives as ETag and blobId for files not in LFS. */
export const gitBlobId = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const commitOf = (repo: string, branch: string) => createHash('sha1').update(`${repo}@${branch}`).digest('hex');

export class LocalHub {
  readonly requests: LoggedRequest[] = [];
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  token?: string;
  /** List files without blob ids, sizes or sha256 even when asked (`?blobs=true`), as some mirrors do. */
  bareListing = false;
  /** Answer small (non-LFS) files with a relative 307 to /api/resolve-cache/..., as the real hub does. */
  resolveCache = false;
  /** Answer every Range request with the whole file (200), as some proxies do. */
  ignoreRange = false;
  /** File path → milliseconds each GET of it waits before answering (a slow transfer in flight). */
  readonly delays = new Map<string, number>();
  private readonly faults: Fault[] = [];
  private readonly corrupted = new Set<string>();

  private constructor(private readonly servers: readonly Server[], readonly url: string, readonly storageUrl: string, readonly repos: HubFixture) {}

  /**
   * The hub on one address and its LFS storage on a second one, as the real hub redirects to a
   * CDN host: storage refuses a request that carries an Authorization header (as signed-URL
   * storage does), so a client must not forward the hub token across the redirect.
   */
  static async start(repos: HubFixture): Promise<LocalHub> {
    let hub!: LocalHub;
    const listen = async (storage: boolean) => {
      const server = createServer((req, res) => hub.handle(req, res, storage));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    };
    const [main, storage] = [await listen(false), await listen(true)];
    hub = new LocalHub([main.server, storage.server], main.url, storage.url, repos);
    return hub;
  }

  async close(): Promise<void> {
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  /** The next `times` downloads of `file` answer `status`. */
  failNext(file: string, times: number, status = 500): void {
    this.faults.push({ file, times, apply: (res) => res.writeHead(status).end('injected failure') });
  }

  /** The next `times` transfers of LFS `file` find its signed storage URL expired: 403 from storage, as from the CDN. */
  expireNext(file: string, times: number): void {
    this.faults.push({ file, times, apply: (res) => res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>') });
  }

  /** The next `times` requests for `file` get 429 with the hub's own rate-limit headers: the window resets in `resetSeconds`. */
  rateLimitNext(file: string, times: number, resetSeconds: number): void {
    this.faults.push({
      file, times,
      apply: (res) => res.writeHead(429, { ratelimit: `"api";r=0;t=${resetSeconds}`, 'ratelimit-policy': '"fixed window";"api";q=500;w=300' }).end('rate limited'),
    });
  }

  /** The next `times` downloads of `file` announce the full length, send `bytes` bytes, and drop the connection. */
  truncateNext(file: string, times: number, bytes: number): void {
    this.faults.push({
      file, times, apply: (res, body, start) => {
        res.writeHead(start > 0 ? 206 : 200, contentHeaders(body, start));
        // Drop the connection a moment after the bytes are out, so the client has read them (a
        // stream that errors discards what it queued, which would make the resume point vary).
        res.write(body.subarray(start, start + bytes), () => setTimeout(() => res.destroy(), 30));
      },
    });
  }

  /** Serve `file` with one byte flipped (the API keeps listing the true sha256). */
  corrupt(file: string): void {
    this.corrupted.add(file);
  }

  /** Back to a well-behaved hub with an empty request log. */
  heal(): void {
    this.delays.clear();
    this.faults.length = 0;
    this.corrupted.clear();
    this.ignoreRange = false;
    this.bareListing = false;
    this.resolveCache = false;
    this.token = undefined;
    this.requests.length = 0;
  }

  /** Every request for file contents (resolve or storage), as opposed to API calls. */
  fileRequests(): LoggedRequest[] {
    return this.requests.filter((r) => !r.path.startsWith('/api/'));
  }

  /** GETs that were answered with file bytes or an injected fault: one per transfer attempt (redirects left out). */
  downloads(): LoggedRequest[] {
    return this.fileRequests().filter((r) => r.method === 'GET' && r.status !== 302);
  }

  private handle(req: IncomingMessage, res: ServerResponse, storage: boolean): void {
    const path = decodeURI(new URL(req.url!, this.url).pathname);
    const logged: LoggedRequest = { method: req.method!, path, range: req.headers.range, authorization: req.headers.authorization };
    this.requests.push(logged);
    if (storage) this.storageRoute(req, res, path);
    else this.route(req, res, path);
    logged.status = res.statusCode; // every route answers synchronously
  }

  private storageRoute(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (req.headers.authorization) {
      res.writeHead(400, { 'content-type': 'application/xml' }).end('<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>');
      return;
    }
    const m = /^\/storage\/(.+)\/([0-9a-f]{40})\/(.+)$/.exec(path);
    if (m) this.storage(req, res, m[1], m[2], m[3]);
    else res.writeHead(404).end();
  }

  private route(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401, { 'x-error-message': 'Invalid credentials in Authorization header' }).end();
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/models\/(.+)\/refs$/.exec(path))) return this.refs(res, m[1]);
    if ((m = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(path))) return this.revision(res, m[1], m[2], req.url!.includes('blobs=true'));
    if ((m = /^\/api\/resolve-cache\/models\/(.+)\/([0-9a-f]{40})\/(.+)$/.exec(path))) return this.resolve(req, res, m[1], m[2], m[3], true);
    if ((m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path))) return this.resolve(req, res, m[1], m[2], m[3]);
    res.writeHead(404).end();
  }

  private branch(res: ServerResponse, repo: string, revision: string): { commit: string; files: readonly FixtureFile[] } | undefined {
    const branches = this.repos[repo];
    if (!branches) {
      res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end();
      return undefined;
    }
    const name = Object.keys(branches).find((b) => b === revision || commitOf(repo, b) === revision);
    if (name === undefined) {
      res.writeHead(404, { 'x-error-code': 'RevisionNotFound', 'x-error-message': `Invalid rev id: ${revision}` }).end();
      return undefined;
    }
    return { commit: commitOf(repo, name), files: branches[name] };
  }

  private refs(res: ServerResponse, repo: string): void {
    const branches = this.repos[repo];
    if (!branches) return void res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end();
    json(res, {
      branches: Object.keys(branches).map((name) => ({ name, ref: `refs/heads/${name}`, targetCommit: commitOf(repo, name) })),
      tags: [],
      converts: [],
    });
  }

  private revision(res: ServerResponse, repo: string, revision: string, blobs: boolean): void {
    const b = this.branch(res, repo, revision);
    if (!b) return;
    json(res, {
      id: repo,
      sha: b.commit,
      siblings: b.files.map((f) => (blobs && !this.bareListing
        ? { rfilename: f.path, blobId: gitBlobId(f.content), size: f.content.length, ...(f.lfs ? { lfs: { sha256: sha256(f.content), size: f.content.length, pointerSize: 134 } } : {}) }
        : { rfilename: f.path })),
    });
  }

  private resolve(req: IncomingMessage, res: ServerResponse, repo: string, revision: string, file: string, cached = false): void {
    const b = this.branch(res, repo, revision);
    if (!b) return;
    const f = b.files.find((x) => x.path === file);
    if (!f) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    if (this.resolveCache && !cached && !f.lfs) {
      // As the real hub answers small files: a relative redirect to its resolve cache.
      res.writeHead(307, { location: `/api/resolve-cache/models/${repo}/${b.commit}/${encodeURI(file)}` }).end();
      return;
    }
    const common = { 'x-repo-commit': b.commit, etag: `"${f.lfs ? sha256(f.content) : gitBlobId(f.content)}"` };
    if (f.lfs) {
      res.writeHead(302, { ...common, 'x-linked-etag': `"${sha256(f.content)}"`, 'x-linked-size': String(f.content.length), location: `${this.storageUrl}/storage/${repo}/${b.commit}/${file}` }).end();
      return;
    }
    this.serve(req, res, f, common);
  }

  /** Where LFS redirects point; like the real storage, it needs no token. */
  private storage(req: IncomingMessage, res: ServerResponse, repo: string, commit: string, file: string): void {
    const branch = Object.keys(this.repos[repo] ?? {}).find((b) => commitOf(repo, b) === commit);
    const f = branch === undefined ? undefined : this.repos[repo][branch].find((x) => x.path === file);
    if (!f) return void res.writeHead(404).end();
    this.serve(req, res, f, {});
  }

  private serve(req: IncomingMessage, res: ServerResponse, f: FixtureFile, headers: Record<string, string>): void {
    const body = this.corrupted.has(f.path) ? flipped(f.content) : f.content;
    const range = this.ignoreRange ? undefined : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start >= body.length && start > 0) {
      return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    }
    if (req.method === 'GET') {
      const fault = this.faults.find((x) => x.file === f.path && x.times > 0);
      if (fault) {
        fault.times--;
        return fault.apply(res, body, start);
      }
    }
    const answer = () => {
      res.writeHead(start > 0 ? 206 : 200, { ...headers, ...contentHeaders(body, start) });
      res.end(req.method === 'HEAD' ? undefined : body.subarray(start));
    };
    const delay = req.method === 'GET' ? this.delays.get(f.path) : undefined;
    if (delay) setTimeout(answer, delay);
    else answer();
  }
}

function contentHeaders(body: Buffer, start: number): Record<string, string> {
  return {
    'accept-ranges': 'bytes',
    'content-length': String(body.length - start),
    ...(start > 0 ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
  };
}

function flipped(b: Buffer): Buffer {
  const copy = Buffer.from(b);
  copy[copy.length >> 1] ^= 0xff;
  return copy;
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Deterministic bytes standing in for a weight file. */
export function fakeWeights(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A checkpoint as a training run pushes it: config, tokenizer, weights in LFS, and optimizer state nobody needs. */
export function checkpointFixture(step: number, weightBytes = 8192): FixtureFile[] {
  return [
    { path: 'config.json', content: Buffer.from(JSON.stringify({ model_type: 'gpt2', n_layer: 2, n_embd: 8, n_head: 2, vocab_size: 16, n_positions: 32 })) },
    { path: 'vocab.json', content: Buffer.from('{"a":0,"b":1}') },
    { path: 'pytorch_model.bin', content: fakeWeights(step + 1, weightBytes), lfs: true },
    { path: 'optimizer.pt', content: fakeWeights(step + 1000, 2 * weightBytes), lfs: true },
  ];
}
