import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hubSettings, type HubSettings } from '../../harness/hub/settings.js';
import { hubSuite } from '../../harness/suite/hub-suite.js';
import { lookahead } from '../../harness/suite/lookahead.js';
import { findSuite } from '../../harness/suite/registry.js';
import small from '../../suites/crfm-gpt2-small.js';
import { checkpointFixture, LocalHub } from '../support/local-hub.js';

let hub: LocalHub;
const root = mkdtempSync(join(tmpdir(), 'lmb-hub-suite-'));
let caches = 0;
const local = (env: Record<string, string> = {}): HubSettings =>
  hubSettings({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(root, `cache-${caches++}`), ...env }, { retryDelayMs: 1 });

beforeAll(async () => {
  hub = await LocalHub.start({
    'org/run-a': { main: checkpointFixture(100), 'checkpoint-100': checkpointFixture(100), 'checkpoint-0': checkpointFixture(0), 'checkpoint-20': checkpointFixture(20), 'checkpoint-x': [] },
    'org/run-b': { step_5: checkpointFixture(5), step_1: checkpointFixture(1) },
    'stanford-crfm/alias-gpt2-small-x21': { 'checkpoint-0': checkpointFixture(0) },
    'EleutherAI/pythia-14m': { main: checkpointFixture(1000), step1000: checkpointFixture(1000), step0: checkpointFixture(0), step1: checkpointFixture(0) },
  });
});
afterEach(() => {
  hub.heal();
  vi.unstubAllEnvs();
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

describe('hubSuite', () => {
  it('turns a repo\'s checkpoint-N branches into a run, sorted by step', async () => {
    const suite = await hubSuite({ runs: ['org/run-a'], hub: local() });
    expect(suite.name).toBe('run-a');
    const [run] = suite.runs;
    expect(run).toMatchObject({ name: 'run-a', aliases: ['org/run-a'] });
    expect(run.checkpoints.map((c) => [c.step, c.name])).toEqual([[0, 'checkpoint-0'], [20, 'checkpoint-20'], [100, 'checkpoint-100']]);
  });

  it('takes run names, seeds and a step pattern', async () => {
    const suite = await hubSuite({ name: 'fam', runs: [{ repo: 'org/run-b', name: 'b', seed: 3 }], pattern: /^step_(\d+)$/, configOverrides: { n_inner: 4 }, hub: local() });
    expect(suite.runs[0]).toMatchObject({ name: 'b', seed: 3, aliases: ['org/run-b', 'seed-3'], configOverrides: { n_inner: 4 } });
    expect(suite.runs[0].checkpoints.map((c) => c.name)).toEqual(['step_1', 'step_5']);
  });

  it('takes Pythia\'s step{N} branches too, without a pattern', async () => {
    const suite = await hubSuite({ runs: ['EleutherAI/pythia-14m'], hub: local() });
    expect(suite.runs[0].checkpoints.map((c) => [c.step, c.name])).toEqual([[0, 'step0'], [1, 'step1'], [1000, 'step1000']]);
  });

  it('says which revisions exist when none matches the pattern', async () => {
    await expect(hubSuite({ runs: ['org/run-b'], hub: local() }))
      .rejects.toThrow('hub repo org/run-b has no revision matching /^(?:checkpoint-|step)(\\d+)$/ (it has: step_1, step_5)');
  });

  it('fetches and evicts its checkpoints through the cache; offline, it lists what is cached', async () => {
    const s = local();
    const suite = await hubSuite({ runs: ['org/run-a'], hub: s });
    const dir = await suite.runs[0].checkpoints[1].fetch();
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'pytorch_model.bin', 'vocab.json']);
    hub.requests.length = 0;
    const offline = await hubSuite({ runs: ['org/run-a'], hub: { ...s, offline: true } });
    expect(offline.runs[0].checkpoints.map((c) => c.step)).toEqual([20]);
    expect(await offline.runs[0].checkpoints[0].fetch()).toBe(dir);
    await offline.runs[0].checkpoints[0].evict!();
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'vocab.json']);
    expect(hub.requests).toEqual([]);
  });

  it('is what findSuite returns for hf:org/name, using the environment', async () => {
    vi.stubEnv('HF_ENDPOINT', hub.url);
    vi.stubEnv('HF_HUB_CACHE', join(root, 'env-cache'));
    const suite = await findSuite('hf:org/run-a');
    expect(suite.name).toBe('org/run-a');
    expect(suite.runs[0].checkpoints).toHaveLength(3);
  });
});

describe('the CRFM tables against a hub', () => {
  it('fetch the checkpoint-N branch of the run\'s repo from HF_ENDPOINT into HF_HUB_CACHE', async () => {
    const cache = join(root, 'crfm-cache');
    vi.stubEnv('HF_ENDPOINT', hub.url);
    vi.stubEnv('HF_HUB_CACHE', cache);
    vi.stubEnv('HF_HUB_OFFLINE', '');
    const ref = small.runs[0].checkpoints[0];
    const dir = await ref.fetch();
    expect(dir.startsWith(join(cache, 'models--stanford-crfm--alias-gpt2-small-x21', 'snapshots'))).toBe(true);
    expect(hub.requests.map((r) => r.path)).toContain('/api/models/stanford-crfm/alias-gpt2-small-x21/revision/checkpoint-0');
    await ref.evict!();
    expect(existsSync(join(dir, 'pytorch_model.bin'))).toBe(false);
    expect(existsSync(join(dir, 'config.json'))).toBe(true);
  });
});

describe('lookahead over hub checkpoints', () => {
  it('yields each downloaded checkpoint in order while the next one downloads', async () => {
    const suite = await hubSuite({ runs: ['org/run-a'], hub: local() });
    const seen: number[] = [];
    for await (const { ref, dir } of lookahead(suite.runs[0].checkpoints, 1)) {
      expect(readdirSync(dir!)).toContain('pytorch_model.bin');
      seen.push(ref.step);
      await ref.evict!();
    }
    expect(seen).toEqual([0, 20, 100]);
  });
});
