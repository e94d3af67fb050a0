import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { LmbError } from '../errors.js';
import { atomicWrite } from '../files/atomic-write.js';

const COMMIT = /^[0-9a-f]{40}$/;
const BLOB = /^[\w.-]+$/;

export const isCommit = (revision: string) => COMMIT.test(revision);

/**
 * One repo in the Hugging Face cache, laid out as huggingface_hub lays it out, so either tool
 * reuses the other's downloads:
 *   models--{org}--{name}/blobs/{etag}                 file contents, named by LFS sha256 or git blob id
 *   models--{org}--{name}/snapshots/{commit}/{file}    relative symlinks into blobs/
 *   models--{org}--{name}/refs/{revision}              the commit a branch or tag pointed at
 */
export class RepoCache {
  readonly root: string;

  constructor(cacheDir: string, readonly repo: string) {
    this.root = join(cacheDir, `models--${repo.split('/').join('--')}`);
  }

  blobPath(blob: string): string {
    if (!BLOB.test(blob) || blob.startsWith('.')) throw unsafe(this.repo, `blob name "${blob}"`);
    return join(this.root, 'blobs', blob);
  }

  snapshotDir(commit: string): string {
    if (!isCommit(commit)) throw unsafe(this.repo, `commit "${commit}"`);
    return join(this.root, 'snapshots', commit);
  }

  /** Where a file of a commit appears; follows symlinks when checked with existsSync. */
  pointerPath(commit: string, file: string): string {
    return inside(this.snapshotDir(commit), file, this.repo);
  }

  /** The commit a revision resolves to in this cache (a commit hash resolves to itself). */
  commitOf(revision: string): string | undefined {
    if (isCommit(revision)) return revision;
    const path = inside(join(this.root, 'refs'), revision, this.repo);
    if (!existsSync(path)) return undefined;
    const commit = readFileSync(path, 'utf8').trim();
    return isCommit(commit) ? commit : undefined;
  }

  /** Revisions (branches, tags) this cache has downloaded, from refs/. */
  revisions(): string[] {
    const refs = join(this.root, 'refs');
    if (!existsSync(refs)) return [];
    return readdirSync(refs, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.endsWith('.tmp'))
      .map((e) => relative(refs, join(e.parentPath, e.name)).split(sep).join('/'));
  }

  writeRef(revision: string, commit: string): void {
    if (isCommit(revision)) return;
    const path = inside(join(this.root, 'refs'), revision, this.repo);
    mkdirSync(dirname(path), { recursive: true });
    atomicWrite(path, commit);
  }

  /**
   * Makes `file` of `commit` point at a blob (replacing a stale link); copies where symlinks are
   * not allowed. The link is made under a temporary name and renamed into place, so processes
   * linking the same file at once each succeed and readers never see it missing.
   */
  link(blob: string, commit: string, file: string): void {
    const pointer = this.pointerPath(commit, file);
    const target = this.blobPath(blob);
    mkdirSync(dirname(pointer), { recursive: true });
    const tmp = `${pointer}.${process.pid}.tmp`;
    if (lstatSync(tmp, { throwIfNoEntry: false })) unlinkSync(tmp);
    try {
      symlinkSync(relative(dirname(pointer), target), tmp);
    } catch (e) {
      if (!['EPERM', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      copyFileSync(target, tmp);
    }
    renameSync(tmp, pointer);
  }
}

function inside(dir: string, rel: string, repo: string): string {
  const path = resolve(dir, rel);
  if (!path.startsWith(resolve(dir) + sep)) throw unsafe(repo, `path "${rel}"`);
  return path;
}

const unsafe = (repo: string, what: string) =>
  new LmbError('HUB_RESPONSE_INVALID', `refusing unsafe ${what} for ${repo} in the cache`, 'Check HF_ENDPOINT: it must point at a Hugging Face hub');
