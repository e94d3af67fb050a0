import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { analyseInduction } from '../../harness/analysis/induction.js';
import { scoreCorpus } from '../../harness/analysis/tokens/score-corpus.js';
import { buildMatrix } from '../../harness/matrix/matrix.js';
import { CheckpointKeys } from '../../harness/run/checkpoint-key.js';
import { evaluateSuite } from '../../harness/run/runner.js';
import { walkGrid } from '../../harness/run/walk.js';
import { behaviour } from '../../harness/spec/behaviour.js';
import { next } from '../../harness/spec/probe.js';
import { selectGrid } from '../../harness/suite/select.js';
import type { Suite } from '../../harness/suite/suite.js';
import { tinySuite } from '../support/tiny-suite.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-walk-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The tiny suite, with `n_head` taken out of every config.json and supplied by the suite's override instead. */
function overriddenSuite(name: string, log: string[]): Suite {
  const base = tinySuite(root, name, ['seed-a', 'seed-b'], [0, 100]);
  return {
    name,
    runs: base.runs.map((run) => ({
      ...run,
      configOverrides: { n_head: 2 },
      checkpoints: run.checkpoints.map((c) => ({
        ...c,
        fetch: async () => {
          const dir = await c.fetch();
          const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
          delete config.n_head;
          writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
          log.push(`fetch ${run.name}@${c.step}`);
          return dir;
        },
        evict: async () => void log.push(`evict ${run.name}@${c.step}`),
      })),
    })),
  };
}

describe('walkGrid: the one checkpoint pipeline', () => {
  const log: string[] = [];
  const suite = overriddenSuite('overridden', log);
  const grid = selectGrid(suite, 'all');

  it('a suite override that supplies a field config.json lacks works for run, induction and tokens', async () => {
    const cacheDir = join(root, 'cache');
    const nexts = behaviour('nexts', { description: '', probes: ['a', 'b', 'c'].map((w) => next(`${w} and`, ' the')) });
    const results = await evaluateSuite({ suite, grid, behaviours: [nexts], cacheDir, model: { device: 'cpu' } });
    expect(buildMatrix(results).cells.nexts['seed-b']['100'].total).toBe(3);

    const induction = await analyseInduction({ suite, grid, cacheDir, model: { device: 'cpu' } });
    expect(induction.map((r) => r.run)).toEqual(['seed-a', 'seed-b']);
    for (const r of induction) for (const c of r.checkpoints) expect(c.prefixMatching.map((l) => l.length)).toEqual([2, 2]);

    const corpus = join(root, 'corpus.txt');
    writeFileSync(corpus, 'One short document.\n\nAnd a second one.\n');
    const scores = await scoreCorpus({ suite, grid, cacheDir, corpus, model: { device: 'cpu' } });
    expect(scores.checkpoints.map((c) => c.added)).toEqual([scores.scoredTokens, scores.scoredTokens, scores.scoredTokens, scores.scoredTokens]);
  });

  it('keys each checkpoint by its weights and effective config, evicts after each visit, and loads a model only when asked', async () => {
    log.length = 0;
    const seen: string[] = [];
    const keys = new CheckpointKeys(join(root, 'keys'));
    const visited = await walkGrid({ grid, suite: suite.name, keys, evict: true, ahead: 1 }, async (c) => {
      seen.push(`visit ${c.run.name}@${c.ref.step}`);
      expect(c.checkpoint.config.n_head).toBe(2);
      expect(c.total).toBe(4);
      return c.key;
    });
    expect(new Set(visited).size).toBe(4);
    // Every checkpoint is evicted right after its visit, and fetched at most one ahead of it.
    expect(log.filter((l) => l.startsWith('evict'))).toEqual(['evict seed-a@0', 'evict seed-a@100', 'evict seed-b@0', 'evict seed-b@100']);
    expect(log.indexOf('fetch seed-b@0')).toBeGreaterThan(log.indexOf('evict seed-a@0'));
    // The same weights under another override are another checkpoint.
    const other = await walkGrid({ grid: grid.slice(0, 1).map((g) => ({ ...g, run: { ...g.run, configOverrides: { n_head: 4 } } })), suite: suite.name, keys }, async (c) => c.key);
    expect(other[0]).not.toBe(visited[0]);
  });

  it('a checkpoint whose revision or weights are not on the hub is skipped with a notice; any other fetch error stops the walk', async () => {
    const absent = (code: 'HUB_REVISION_MISSING' | 'HUB_FILES_MISSING' | 'HUB_UNREACHABLE') => (g: (typeof grid)[number]) =>
      ({ ...g, ref: { ...g.ref, fetch: async () => { throw new LmbError(code, `hub repo org/x has no revision ${g.ref.name}`, 'Pick another'); } } });
    const notices: string[] = [];
    const keys = new CheckpointKeys(join(root, 'keys'));
    const gaps = [grid[0], absent('HUB_REVISION_MISSING')(grid[1]), absent('HUB_FILES_MISSING')(grid[2]), grid[3]];
    const visited = await walkGrid({ grid: gaps, suite: suite.name, keys, onNotice: (l) => notices.push(l) }, async (c) => `${c.run.name}@${c.ref.step} ${c.index}/${c.total}`);
    expect(visited).toEqual(['seed-a@0 0/4', 'seed-b@100 3/4']);
    expect(notices).toEqual(['seed-a: skipped checkpoint-100: hub repo org/x has no revision checkpoint-100', 'seed-b: skipped checkpoint-0: hub repo org/x has no revision checkpoint-0']);
    await expect(walkGrid({ grid: [grid[0], absent('HUB_UNREACHABLE')(grid[1])], suite: suite.name, keys }, async () => 0)).rejects.toMatchObject({ code: 'HUB_UNREACHABLE' });
  });

  it('an empty grid is a one-line SELECTION_EMPTY', async () => {
    await expect(walkGrid({ grid: [], suite: 'nothing', keys: new CheckpointKeys(join(root, 'keys')) }, async () => 0)).rejects.toMatchObject({ code: 'SELECTION_EMPTY' });
  });
});
