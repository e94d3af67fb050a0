import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointFixture, LocalHub } from '../support/local-hub.js';

const REPO = 'org/shared-run';
const files = checkpointFixture(0);
const repo = join(import.meta.dirname, '..', '..');
let hub: LocalHub;
beforeAll(async () => {
  hub = await LocalHub.start({ [REPO]: { 'checkpoint-0': files } });
});
afterAll(() => hub.close());

function fetchInChild(cache: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'test', 'support', 'fetch-snapshot.ts'), REPO, 'checkpoint-0'], {
      cwd: repo,
      env: { ...process.env, HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_TOKEN: '' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('processes sharing a hub cache', () => {
  it('download each file once while the others wait, and all find it complete', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'lmb-hub-shared-'));
    hub.delays.set('pytorch_model.bin', 1500);
    const runs = await Promise.all([1, 2, 3, 4, 5].map(() => fetchInChild(cache)));
    for (const r of runs) expect(r.code, r.out).toBe(0);
    expect(new Set(runs.map((r) => r.out)).size).toBe(1);
    expect(hub.downloads().filter((r) => r.path.endsWith('/pytorch_model.bin'))).toHaveLength(1);
    const weights = files.find((f) => f.path === 'pytorch_model.bin')!.content;
    expect(readFileSync(join(runs[0].out, 'pytorch_model.bin')).equals(weights)).toBe(true);
    const blobs = readdirSync(join(cache, 'models--org--shared-run', 'blobs'));
    expect(blobs.filter((b) => b.endsWith('.lock') || b.endsWith('.incomplete'))).toEqual([]);
  }, 60_000);
});
