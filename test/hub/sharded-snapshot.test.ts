import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointFiles } from '../../harness/hub/checkpoint-files.js';
import { evictRevision } from '../../harness/hub/evict.js';
import { hubSettings, type HubSettings } from '../../harness/hub/settings.js';
import { downloadSnapshot } from '../../harness/hub/snapshot.js';
import { checkpointFixture, LocalHub, type FixtureFile } from '../support/local-hub.js';

const REPO = 'org/big-run';
const SHARDS = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
const index = (shards: readonly string[]): FixtureFile => ({
  path: 'model.safetensors.index.json',
  content: Buffer.from(JSON.stringify({ metadata: { total_size: 1 }, weight_map: Object.fromEntries(shards.map((s, i) => [`t${i}`, s])) })),
});
const base = checkpointFixture(0).filter((f) => f.path !== 'pytorch_model.bin');
const shardFiles = SHARDS.map((path, i): FixtureFile => ({ path, content: Buffer.alloc(4096, i + 1), lfs: true }));

let hub: LocalHub;
const root = mkdtempSync(join(tmpdir(), 'lmb-hub-shards-'));
let caches = 0;
const local = (env: Record<string, string> = {}, cacheDir = join(root, `cache-${caches++}`)): HubSettings =>
  hubSettings({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: cacheDir, ...env }, { retryDelayMs: 1 });

beforeAll(async () => {
  hub = await LocalHub.start({
    [REPO]: {
      step1000: [...base, index(SHARDS), ...shardFiles],
      step2000: [...base, index(SHARDS), shardFiles[0]], // an upload cut short
    },
  });
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a sharded revision', () => {
  it('downloads its index and every shard it names (not the optimizer), offline finds them, and eviction frees them all', async () => {
    const s = local();
    const dir = await downloadSnapshot(REPO, 'step1000', { hub: s, choose: checkpointFiles });
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json', 'vocab.json']);
    const offline = local({ HF_HUB_OFFLINE: '1' }, s.cacheDir);
    expect(await downloadSnapshot(REPO, 'step1000', { hub: offline, choose: checkpointFiles })).toBe(dir);

    expect(await evictRevision(REPO, 'step1000', s)).toBe(2 * 4096 + index(SHARDS).content.length);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'vocab.json']);
    expect(readdirSync(join(dir, '..', '..', 'blobs')).length).toBe(2); // config and vocab
    await expect(downloadSnapshot(REPO, 'step1000', { hub: offline, choose: checkpointFiles })).rejects.toMatchObject({ code: 'HUB_OFFLINE_MISSING' });
  });

  it('offline, a cached index whose shard is gone is not a usable snapshot', async () => {
    const s = local();
    const dir = await downloadSnapshot(REPO, 'step1000', { hub: s, choose: checkpointFiles });
    rmSync(join(dir, SHARDS[1]));
    await expect(downloadSnapshot(REPO, 'step1000', { hub: local({ HF_HUB_OFFLINE: '1' }, s.cacheDir), choose: checkpointFiles }))
      .rejects.toMatchObject({ code: 'HUB_OFFLINE_MISSING', message: expect.stringContaining(`lacks ${SHARDS[1]}`) });
  });

  it('a revision whose index names a shard the revision lacks is refused, naming the shard', async () => {
    const s = local();
    await expect(downloadSnapshot(REPO, 'step2000', { hub: s, choose: checkpointFiles })).rejects.toMatchObject({
      code: 'HUB_FILES_MISSING', message: expect.stringContaining(`revision step2000 lacks ${SHARDS[1]}, which its model.safetensors.index.json names`),
    });
    expect(existsSync(join(s.cacheDir, 'models--org--big-run', 'refs', 'step2000'))).toBe(false);
  });
});
