import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { GridResults } from '../../harness/run/grid-results.js';
import { outcomeKey } from '../../harness/run/probe-plan.js';
import { evaluateSuite } from '../../harness/run/runner.js';
import { shardItems } from '../../harness/run/shard.js';
import { behaviour } from '../../harness/spec/behaviour.js';
import { check, continuation, next } from '../../harness/spec/probe.js';
import { selectGrid } from '../../harness/suite/select.js';
import { caught } from '../support/errors.js';
import { tinySuite, writeTinyGpt2WithTokenizer } from '../support/tiny-suite.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-grid-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const words = ['the', 'cat', 'sat', 'on', 'a', 'mat'];
const nexts = behaviour('nexts', { description: '', probes: words.map((w) => next(`${w} and`, ' the')) });
const spaces = (test: (t: string) => boolean) =>
  behaviour('spaces', { description: '', probes: words.map((w) => continuation(`I saw ${w}`, 2, check('starts with a space', test))) });

describe('GridResults', () => {
  const suite = tinySuite(root, 'fam/ily', ['a', 'b'], [0, 10]);
  const grid = selectGrid(suite, 'all');
  const behaviours = [nexts, spaces((t) => t.startsWith(' '))];
  const folder = join(root, 'grid');

  it('judges what shards recorded into the results one run has, in grid order, without weights', async () => {
    const single = await evaluateSuite({ suite, grid, behaviours, cacheDir: join(root, 'single'), model: { device: 'cpu' } });
    // Two shards, each with its own cache, finishing in any order, recording into one folder.
    for (const shard of [{ index: 2, count: 2 }, { index: 1, count: 2 }]) {
      const recorded = new GridResults(folder, suite.name);
      await evaluateSuite({ suite, grid: shardItems(grid, shard), behaviours, cacheDir: join(root, `shard-${shard.index}`), model: { device: 'cpu' }, onCheckpoint: (c) => recorded.record(c) });
    }
    expect(readdirSync(join(folder, encodeURIComponent(suite.name))).sort()).toEqual(['runs', 'tokenizer']);
    const merged = new GridResults(folder, suite.name).judge(grid, behaviours);
    expect(merged.checkpoints.map((c) => `${c.run}@${c.step}`)).toEqual(['a@0', 'a@10', 'b@0', 'b@10']);
    expect(merged).toEqual(single);
  });

  it('judges with the behaviours as they are now: a check edited since the shards ran applies to the merge', () => {
    const before = new GridResults(folder, suite.name).judge(grid, behaviours);
    const after = new GridResults(folder, suite.name).judge(grid, [nexts, spaces((t) => !t.startsWith(' '))]);
    for (const [i, c] of after.checkpoints.entries()) {
      for (const p of after.probes.get('spaces')!) expect(c.outcomes.get(outcomeKey(p))!.pass).toBe(!before.checkpoints[i].outcomes.get(outcomeKey(p))!.pass);
    }
  });

  it('names the checkpoints that are missing, or lack answers the current behaviours need', () => {
    const more = tinySuite(root, 'fam/ily', ['a', 'b', 'c'], [0, 10]);
    expect(caught(() => new GridResults(folder, suite.name).judge(selectGrid(more, 'all'), behaviours))).toMatchObject({
      code: 'GRID_INCOMPLETE', message: expect.stringMatching(/^2 selected checkpoints of suite fam\/ily have no results in .*: c@0, c@10$/),
    });
    const extra = behaviour('extra', { description: '', probes: [next('a new prompt', ' x')] });
    expect(caught(() => new GridResults(folder, suite.name).judge(grid, [...behaviours, extra]))).toMatchObject({
      code: 'GRID_INCOMPLETE', message: expect.stringContaining('a@0 (1 request), a@10 (1 request), b@0 (1 request), b@10 (1 request)'),
    });
  });

  it('a checkpoint a shard found absent from the hub is left out of the merge, not a hole; recording it later clears the note', async () => {
    const more = tinySuite(root, 'fam/ily', ['a', 'b', 'd'], [0, 10]);
    const moreGrid = selectGrid(more, 'all');
    const absentOne = moreGrid.map((g) => (g.run.name === 'd' && g.ref.step === 10
      ? { ...g, ref: { ...g.ref, fetch: async () => { throw new LmbError('HUB_REVISION_MISSING', 'hub repo org/d has no revision "checkpoint-10"', 'Pick another'); } } } : g));
    const recorded = new GridResults(folder, more.name);
    const notices: string[] = [];
    await evaluateSuite({ suite: more, grid: absentOne.filter((g) => g.run.name === 'd'), behaviours, cacheDir: join(root, 'shard-d'), model: { device: 'cpu' },
      onCheckpoint: (c) => recorded.record(c), onAbsent: (item, why) => recorded.recordAbsent(item, why.message), onNotice: (l) => notices.push(l) });
    expect(notices).toEqual(['d: skipped checkpoint-10: hub repo org/d has no revision "checkpoint-10"']);
    const merged = new GridResults(folder, more.name).judge(moreGrid, behaviours);
    expect(merged.checkpoints.map((c) => `${c.run}@${c.step}`)).toEqual(['a@0', 'a@10', 'b@0', 'b@10', 'd@0']);
    const runDir = join(folder, encodeURIComponent(more.name), 'runs', 'd');
    expect(readdirSync(runDir).sort()).toEqual(['0.json', '10.absent.json']);
    // The revision appears on the hub later: its answers replace the note.
    await evaluateSuite({ suite: more, grid: moreGrid.filter((g) => g.run.name === 'd' && g.ref.step === 10), behaviours, cacheDir: join(root, 'shard-d'), model: { device: 'cpu' }, onCheckpoint: (c) => recorded.record(c) });
    expect(readdirSync(runDir).sort()).toEqual(['0.json', '10.json']);
    expect(new GridResults(folder, more.name).judge(moreGrid, behaviours).checkpoints).toHaveLength(6);
    rmSync(runDir, { recursive: true });
  });

  it('answers recorded for weights since replaced are dropped when the checkpoint is recorded again, not mixed in', async () => {
    const own = tinySuite(root, 'replaced', ['a'], [0]);
    const ownGrid = selectGrid(own, 'all');
    const dir = join(root, 'grid-replaced');
    const record = async (bs: typeof behaviours, cacheDir: string) => {
      const recorded = new GridResults(dir, own.name);
      await evaluateSuite({ suite: own, grid: ownGrid, behaviours: bs, cacheDir, model: { device: 'cpu' }, onCheckpoint: (c) => recorded.record(c) });
    };
    await record(behaviours, join(root, 'replaced-1'));
    // New weights in place of the old, then a narrowed run that asks only the next-token probes.
    const path = await own.runs[0].checkpoints[0].fetch();
    writeTinyGpt2WithTokenizer(path, 777);
    await record([nexts], join(root, 'replaced-2'));
    expect(caught(() => new GridResults(dir, own.name).judge(ownGrid, behaviours))).toMatchObject({
      code: 'GRID_INCOMPLETE', message: expect.stringContaining('a@0 (6 requests)'),
    });
    const fresh = await evaluateSuite({ suite: own, grid: ownGrid, behaviours: [nexts], cacheDir: join(root, 'replaced-3'), model: { device: 'cpu' } });
    expect(new GridResults(dir, own.name).judge(ownGrid, [nexts])).toEqual(fresh);
  });

  it('a damaged or wrongly shaped checkpoint file is a one-line GRID_DAMAGED; an empty folder is GRID_MISSING', () => {
    const path = join(folder, encodeURIComponent(suite.name), 'runs', 'a', '0.json');
    for (const text of ['{"run": "a", "outc', 'null', '[]']) {
      writeFileSync(path, text);
      const e = caught(() => new GridResults(folder, suite.name).judge(grid, behaviours));
      expect(e.code).toBe('GRID_DAMAGED');
      expect(e.oneLine()).toContain('0.json is not a results file');
    }
    rmSync(path);
    mkdirSync(path);
    expect(caught(() => new GridResults(folder, suite.name).judge(grid, behaviours))).toMatchObject({ code: 'GRID_DAMAGED', message: expect.stringContaining('it is a folder') });
    expect(caught(() => new GridResults(join(root, 'none'), suite.name).judge(grid, behaviours)).code).toBe('GRID_MISSING');
  });
});
