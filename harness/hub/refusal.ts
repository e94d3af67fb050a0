import { LmbError } from '../errors.js';
import type { HubSettings } from './settings.js';
import { describeTarget, type HubTarget } from './target.js';
import { refsUrl } from './urls.js';

/**
 * Turns a hub HTTP error into one actionable line. The hub says what is missing in
 * `X-Error-Code` (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo); without it, the
 * most specific part of the target is taken to be the missing one.
 */
export function refusal(status: number, headers: Headers, target: HubTarget, hub: HubSettings, tries: number, fromStorage = false): LmbError {
  const code = headers.get('x-error-code') ?? '';
  const said = headers.get('x-error-message');
  const { repo, revision, file } = target;
  const tokenFix = hub.token
    ? status === 401 && code !== 'GatedRepo'
      ? 'The hub token (HF_TOKEN, HUGGING_FACE_HUB_TOKEN or the one hf auth login saved) is invalid or expired: make a new one on the hub'
      : `The hub token cannot read ${repo}: accept the repo's terms on the hub, or use a token with access`
    : `Set HF_TOKEN to a token that can read ${repo}`;
  if (code === 'RepoNotFound' || (status === 404 && !revision)) {
    return new LmbError('HUB_REPO_MISSING', `hub repo ${repo} was not found at ${hub.endpoint}`,
      `Check the repo id${hub.token ? '' : ', or set HF_TOKEN if the repo is private'}`);
  }
  if (fromStorage) {
    return new LmbError('HUB_HTTP_FAILED', `the hub's storage refused ${describeTarget(target)} (HTTP ${status}) after ${tries} fresh redirects`,
      'The storage links keep expiring: check this machine\'s clock, then try again');
  }
  if (code === 'GatedRepo' || status === 401 || status === 403) {
    return new LmbError('HUB_ACCESS_REFUSED', `the hub refused access to ${describeTarget(target)} (HTTP ${status}${said ? `: ${said}` : ''})`, tokenFix);
  }
  if (code === 'RevisionNotFound' || (status === 404 && !file)) {
    return new LmbError('HUB_REVISION_MISSING', `hub repo ${repo} has no revision "${revision}"`,
      `Check the revision name; the repo's branches and tags are listed at ${refsUrl(hub.endpoint, repo)}`);
  }
  if (code === 'EntryNotFound' || status === 404) {
    return new LmbError('HUB_FILE_MISSING', `hub repo ${repo} has no file "${file}" at revision "${revision}"`,
      'Check the file name against the revision\'s files on the hub');
  }
  const retried = tries > 1 ? ` after ${tries} tries` : '';
  return new LmbError('HUB_HTTP_FAILED', `the hub answered HTTP ${status}${retried} for ${describeTarget(target)}${said ? ` (${said})` : ''}`,
    status >= 500 || status === 429 ? 'The hub is failing or rate-limiting; try again later' : 'Report this with the command that caused it');
}
