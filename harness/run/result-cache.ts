import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readIfExists, updateFile } from '../files/atomic-write.js';
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
    return new Map(Object.entries(storedJson<Outcome>(readIfExists(path))));
  }

  /** Merges `outcomes` into the checkpoint's stored outcomes. */
  write(key: string, outcomes: ReadonlyMap<string, Outcome>): void {
    updateFile(this.path(key), (current) => JSON.stringify(sortedOutcomes({ ...storedJson<Outcome>(current), ...Object.fromEntries(outcomes) })));
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
    const index = storedJson<string>(readIfExists(indexPath));
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
    updateFile(indexPath, (current) => JSON.stringify({ ...storedJson<string>(current), [id]: digest }));
    return digest;
  }

  private path(key: string): string {
    return join(this.dir, 'results', `${key}.json`);
  }
}

/** A stored JSON object; a missing or damaged file counts as empty (recomputed, never trusted). */
function storedJson<T>(text: string | undefined): Record<string, T> {
  try {
    return text === undefined ? {} : (JSON.parse(text) as Record<string, T>);
  } catch {
    return {};
  }
}

/** Outcomes by probe id, in id order, so stored files are stable. */
export const sortedOutcomes = (outcomes: Record<string, Outcome>): Record<string, Outcome> =>
  Object.fromEntries(Object.entries(outcomes).sort(([a], [b]) => (a < b ? -1 : 1)));
