import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { findRun } from '../../harness/suite/find-run.js';
import { findSuite, knownSuites } from '../../harness/suite/registry.js';
import small from '../../suites/crfm-gpt2-small.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-registry-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text = '{}'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

async function failure(p: Promise<unknown>): Promise<LmbError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(LmbError);
  return e as LmbError;
}

describe('findSuite', () => {
  it('finds the built-in suites by name', async () => {
    expect(knownSuites()).toEqual(expect.arrayContaining(['crfm-gpt2-medium', 'crfm-gpt2-small']));
    const suite = await findSuite('crfm-gpt2-small');
    expect(suite).toBe(small);
  });

  it('loads a .ts file that default-exports a suite', async () => {
    const file = write(join(root, 'mine.ts'), [
      'interface Named { name: string }',
      "const run: Named & { checkpoints: [] } = { name: 'only', checkpoints: [] };",
      "export default { name: 'mine', runs: [run] };",
    ].join('\n'));
    expect(await findSuite(file)).toEqual({ name: 'mine', runs: [{ name: 'only', checkpoints: [] }] });
    expect((await findSuite('mine.ts', { cwd: root })).name).toBe('mine');
  });

  it('says what is wrong with a file that does not export a suite', async () => {
    const none = await failure(findSuite(write(join(root, 'none.ts'), 'export const x = 1;')));
    expect(none.code).toBe('SUITE_INVALID');
    expect(none.message).toMatch(/none\.ts does not default-export a Suite: the default export is missing$/);
    const noRuns = await failure(findSuite(write(join(root, 'no-runs.ts'), "export default { name: 'x', runs: [] };")));
    expect(noRuns.message).toContain('it has no runs');
    const broken = await failure(findSuite(write(join(root, 'broken.ts'), 'export default {{;')));
    expect(broken.message).toContain('cannot load suite file');
    expect((await failure(findSuite('missing.ts', { cwd: root }))).message).toContain('does not exist');
  });

  it('treats a folder of runs as a suite, and finds folder suites among the built-ins', async () => {
    const builtIns = join(root, 'suites');
    mkdirSync(join(builtIns, 'demo', 'runs', 'seed-1', 'checkpoint-0'), { recursive: true });
    mkdirSync(join(builtIns, 'demo', 'data'), { recursive: true });
    write(join(builtIns, 'family', 'suite.ts'), "export default { name: 'family', runs: [{ name: 'r', checkpoints: [] }] };");
    write(join(builtIns, 'plain.ts'), "export default { name: 'plain', runs: [{ name: 'r', checkpoints: [] }] };");
    mkdirSync(join(builtIns, 'just-data'));
    expect(knownSuites(builtIns)).toEqual(['demo', 'family', 'plain']);
    const demo = await findSuite('demo', { builtInDir: builtIns });
    expect(demo.name).toBe('demo');
    expect(demo.runs.map((r) => [r.name, r.seed, r.checkpoints.map((c) => c.step)])).toEqual([['seed-1', 1, [0]]]);
    expect((await findSuite('family', { builtInDir: builtIns })).name).toBe('family');
    const local = await findSuite(join(builtIns, 'demo', 'runs'));
    expect(local.runs[0].name).toBe('seed-1');
  });

  it('lists the known suites when the name is unknown', async () => {
    const e = await failure(findSuite('crfm-gpt2-large'));
    expect(e.code).toBe('SUITE_UNKNOWN');
    expect(e.message).toBe('no suite "crfm-gpt2-large"');
    expect(e.fix).toMatch(/^Known suites: .*crfm-gpt2-medium, crfm-gpt2-small.*; or pass a \.ts file/);
  });
});

describe('findRun', () => {
  it('finds a run by name, hub id, repo name or seed, ignoring case', () => {
    for (const q of ['alias', 'Alias', 'stanford-crfm/alias-gpt2-small-x21', 'alias-gpt2-small-x21', 'seed-21']) {
      expect(findRun(small, q).name).toBe('alias');
    }
    expect(findRun(small, 'seed-777').name).toBe('expanse');
  });

  it('lists the runs when none matches', () => {
    let e: unknown;
    try {
      findRun(small, 'seed-22');
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(LmbError);
    expect((e as LmbError).oneLine()).toBe('suite crfm-gpt2-small has no run "seed-22". Use one of: alias (seed-21), battlestar (seed-49), caprica (seed-81), darkmatter (seed-343), expanse (seed-777)');
  });
});
