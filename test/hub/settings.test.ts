import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RepoCache } from '../../harness/hub/cache.js';
import { hubSettings } from '../../harness/hub/settings.js';
import { checkRepoId, refsUrl, resolveUrl, revisionUrl } from '../../harness/hub/urls.js';

describe('hubSettings', () => {
  it('defaults to the real hub and the standard cache', () => {
    const s = hubSettings({});
    expect(s).toMatchObject({ endpoint: 'https://huggingface.co', token: undefined, offline: false });
    expect(s.cacheDir).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
  });

  it('reads HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE', () => {
    const s = hubSettings({ HF_ENDPOINT: 'http://127.0.0.1:9/', HF_TOKEN: 'hf_x', HF_HUB_OFFLINE: 'True' });
    expect(s).toMatchObject({ endpoint: 'http://127.0.0.1:9', token: 'hf_x', offline: true });
    expect(hubSettings({ HF_HUB_OFFLINE: '0' }).offline).toBe(false);
  });

  it('finds the cache as huggingface_hub does: HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME', () => {
    expect(hubSettings({ HF_HUB_CACHE: '/c', HF_HOME: '/h' }).cacheDir).toBe('/c');
    expect(hubSettings({ HF_HOME: '/h', XDG_CACHE_HOME: '/x' }).cacheDir).toBe(join('/h', 'hub'));
    expect(hubSettings({ XDG_CACHE_HOME: '/x' }).cacheDir).toBe(join('/x', 'huggingface', 'hub'));
  });
});

describe('hub URLs and cache paths', () => {
  it('follow the hub layout, encoding revisions and file paths', () => {
    const e = 'https://hub.test';
    expect(resolveUrl(e, 'org/m', 'checkpoint-10', 'sub dir/config.json')).toBe('https://hub.test/org/m/resolve/checkpoint-10/sub%20dir/config.json');
    expect(resolveUrl(e, 'org/m', 'refs/pr/1', 'a.bin')).toBe('https://hub.test/org/m/resolve/refs%2Fpr%2F1/a.bin');
    expect(refsUrl(e, 'org/m')).toBe('https://hub.test/api/models/org/m/refs');
    expect(revisionUrl(e, 'org/m', 'main')).toBe('https://hub.test/api/models/org/m/revision/main?blobs=true');
  });

  it('rejects ids that are not repo ids, and cache paths that would leave the repo folder', () => {
    expect(checkRepoId('gpt2')).toBe('gpt2');
    expect(() => checkRepoId('a/b/c')).toThrow(/"a\/b\/c" is not a hub model id/);
    expect(() => checkRepoId('../x')).toThrow(/not a hub model id/);
    const cache = new RepoCache('/cache', 'org/m');
    expect(cache.root).toBe(join('/cache', 'models--org--m'));
    expect(() => cache.blobPath('../../etc')).toThrow(/unsafe blob name/);
    expect(() => cache.pointerPath('a'.repeat(40), '../../x')).toThrow(/unsafe path/);
    expect(() => cache.commitOf('../../x')).toThrow(/unsafe path/);
  });
});
