import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localSuite } from '../../harness/suite/local-suite.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-local-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dirs = (...paths: string[]) => paths.forEach((p) => mkdirSync(join(root, p), { recursive: true }));

describe('localSuite', () => {
  it('makes each folder of checkpoint-N folders a run, checkpoints sorted by step', async () => {
    dirs('fam/seed-2/checkpoint-100', 'fam/seed-2/checkpoint-20', 'fam/seed-2/checkpoint-3', 'fam/seed-2/logs',
      'fam/seed-10/checkpoint-0', 'fam/named/checkpoint-5', 'fam/not-a-run/other');
    const suite = localSuite(join(root, 'fam'), { configOverrides: { n_inner: 8 } });
    expect(suite.name).toBe('fam');
    expect(suite.runs.map((r) => [r.name, r.seed])).toEqual([['named', undefined], ['seed-10', 10], ['seed-2', 2]]);
    const run = suite.runs[2];
    expect(run.checkpoints.map((c) => [c.step, c.name])).toEqual([[3, 'checkpoint-3'], [20, 'checkpoint-20'], [100, 'checkpoint-100']]);
    expect(run.configOverrides).toEqual({ n_inner: 8 });
    expect(await run.checkpoints[1].fetch()).toBe(join(root, 'fam', 'seed-2', 'checkpoint-20'));
    expect(run.checkpoints[1].evict).toBeUndefined();
  });

  it('a folder of checkpoints is a suite of one run; other patterns name steps differently', () => {
    dirs('single/checkpoint-1', 'single/checkpoint-0', 'steps/r/step_7');
    const single = localSuite(join(root, 'single'), { name: 'one' });
    expect(single.name).toBe('one');
    expect(single.runs.map((r) => [r.name, r.checkpoints.map((c) => c.step)])).toEqual([['single', [0, 1]]]);
    expect(localSuite(join(root, 'steps'), { pattern: /^step_(\d+)$/ }).runs[0].checkpoints.map((c) => c.step)).toEqual([7]);
  });

  it('says how to lay runs out when it finds none, and when a checkpoint went away', async () => {
    dirs('empty/run/nothing');
    expect(() => localSuite(join(root, 'empty'))).toThrow(/holds no runs: no <run>\/checkpoint-<step>\/ folders/);
    expect(() => localSuite(join(root, 'absent'))).toThrow(/does not exist/);
    dirs('gone/r/checkpoint-1');
    const ref = localSuite(join(root, 'gone')).runs[0].checkpoints[0];
    rmSync(join(root, 'gone'), { recursive: true });
    await expect(ref.fetch()).rejects.toThrow(/no longer exists/);
  });
});
