import { LmbError } from '../errors.js';

/** The hub's URL layout for model repos. `revision` may be a branch, a tag or a commit hash. */

const REPO_ID = /^[\w.-]+(\/[\w.-]+)?$/;

export function checkRepoId(repo: string): string {
  if (!REPO_ID.test(repo) || repo.includes('..')) {
    throw new LmbError('HUB_REPO_INVALID', `"${repo}" is not a hub model id`, 'Write it as org/name, e.g. stanford-crfm/alias-gpt2-small-x21');
  }
  return repo;
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

export const resolveUrl = (endpoint: string, repo: string, revision: string, file: string) =>
  `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;

export const refsUrl = (endpoint: string, repo: string) => `${endpoint}/api/models/${repo}/refs`;

export const revisionUrl = (endpoint: string, repo: string, revision: string) =>
  `${endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
