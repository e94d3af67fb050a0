import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RepoCache } from '../../harness/hub/cache.js';
import { hubSettings } from '../../harness/hub/settings.js';
import { checkRepoId, refsUrl, resolveUrl, revisionUrl } from '../../harness/hub/urls.js';

describe('hubSettings', () => {
  it('defaults to the real hub and the standard cache', () => {
    const s = hubSettings({ HF_TOKEN_PATH: '/no/such/token' });
    expect(s).toMatchObject({ endpoint: 'https://huggingface.co', token: undefined, offline: false });
    expect(s.cacheDir).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
  });

  it('reads HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE', () => {
    const s = hubSettings({ HF_ENDPOINT: 'http://127.0.0.1:9/', HF_TOKEN: 'hf_x', HF_HUB_OFFLINE: 'True' });
    expect(s).toMatchObject({ endpoint: 'http://127.0.0.1:9', token: 'hf_x', offline: true });
    expect(hubSettings({ HF_HUB_OFFLINE: '0' }).offline).toBe(false);
  });

  it('finds the token as huggingface_hub does: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, then the file hf auth login saved', () => {
    const home = mkdtempSync(join(tmpdir(), 'lmb-hf-home-'));
    writeFileSync(join(home, 'token'), 'hf_saved\n');
    expect(hubSettings({ HF_HOME: home }).token).toBe('hf_saved');
    expect(hubSettings({ HF_HOME: home, HUGGING_FACE_HUB_TOKEN: 'hf_old' }).token).toBe('hf_old');
    expect(hubSettings({ HF_HOME: home, HUGGING_FACE_HUB_TOKEN: 'hf_old', HF_TOKEN: 'hf_new' }).token).toBe('hf_new');
    writeFileSync(join(home, 'elsewhere'), 'hf_path');
    expect(hubSettings({ HF_HOME: home, HF_TOKEN_PATH: join(home, 'elsewhere') }).token).toBe('hf_path');
    expect(hubSettings({ HF_HOME: join(home, 'none') }).token).toBeUndefined();
    expect(hubSettings({ TRANSFORMERS_OFFLINE: '1' }).offline).toBe(true);
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
