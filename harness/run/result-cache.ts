import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { atomicWrite } from '../files/atomic-write.js';
import { withLockSync } from '../files/lock.js';
import type { Outcome } from '../judge/judge.js';

/**
 * Probe outcomes on disk, one file per checkpoint content key, written atomically (temp file +
 * rename) as soon as a checkpoint is done: an interrupted run loses at most the checkpoint in
 * flight, and re-running computes only probes that have no stored outcome. Read-modify-writes
 * hold a lock, so concurrent runs on one cache add to each other's outcomes instead of losing them.
 */
export class ResultCache {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'results'), { recursive: true });
  }

  static defaultDir(): string {
    return resolve(process.env.LMB_CACHE ?? join(process.cwd(), '.cache', 'lmb'));
  }

  read(key: string): Map<string, Outcome> {
    const path = this.path(key);
    if (!existsSync(path)) return new Map();
    try {
      return new Map(Object.entries(JSON.parse(readFileSync(path, 'utf8')) as Record<string, Outcome>));
    } catch {
      return new Map(); // A damaged entry is recomputed, never trusted.
    }
  }

  /** Merges `outcomes` into the checkpoint's stored outcomes. */
  write(key: string, outcomes: ReadonlyMap<string, Outcome>): void {
    withLockSync(`${this.path(key)}.lock`, () => {
      const merged = this.read(key);
      for (const [id, o] of outcomes) merged.set(id, o);
      const sorted = Object.fromEntries([...merged].sort(([a], [b]) => (a < b ? -1 : 1)));
      atomicWrite(this.path(key), JSON.stringify(sorted));
    });
  }

  /**
   * A key for what the checkpoint computes: its weights' sha256 (remembered per path, size and
   * mtime so a file is hashed once), its config.json, and any config overrides.
   */
  checkpointKey(dir: string, weightsPath: string, overrides: Readonly<Record<string, unknown>> = {}): string {
    const config = existsSync(join(dir, 'config.json')) ? readFileSync(join(dir, 'config.json')) : Buffer.alloc(0);
    return createHash('sha256')
      .update(this.fileHash(weightsPath)).update('\0').update(config).update('\0').update(JSON.stringify(overrides))
      .digest('hex').slice(0, 24);
  }

  private fileHash(path: string): string {
    const st = statSync(path);
    const indexPath = join(this.dir, 'file-hashes.json');
    const index: Record<string, string> = existsSync(indexPath) ? safeJson(readFileSync(indexPath, 'utf8')) : {};
    const id = `${resolve(path)}|${st.size}|${st.mtimeMs}`;
    if (index[id]) return index[id];
    const hash = createHash('sha256');
    const fd = openSync(path, 'r');
    const buf = Buffer.allocUnsafe(1 << 22);
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    const digest = hash.digest('hex');
    withLockSync(`${indexPath}.lock`, () => {
      const latest: Record<string, string> = existsSync(indexPath) ? safeJson(readFileSync(indexPath, 'utf8')) : {};
      atomicWrite(indexPath, JSON.stringify({ ...latest, [id]: digest }));
    });
    return digest;
  }

  private path(key: string): string {
    return join(this.dir, 'results', `${key}.json`);
  }
}

function safeJson(text: string): Record<string, string> {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
