import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GridResults } from '../../harness/run/grid-results.js';
import type { ProbeRecord } from '../../harness/spec/probe.js';
import type { Suite } from '../../harness/suite/suite.js';
import { caught } from '../support/errors.js';

const probes = new Map<string, ProbeRecord[]>([
  ['echo', [{ id: 'p1', behaviour: 'echo', prompt: 'I said x', judge: { kind: 'next', expected: ' x' } }]],
  ['shout', [{ id: 'p2', behaviour: 'shout', prompt: 'say it', judge: { kind: 'continuation', maxTokens: 4, check: { name: 'is loud' } } }]],
]);
const ref = (step: number) => ({ step, name: `checkpoint-${step}`, fetch: async () => '' });
const suite: Suite = { name: 'fam/ily', runs: [{ name: 'a', checkpoints: [ref(0), ref(10)] }, { name: 'b', checkpoints: [ref(0), ref(10)] }] };
const outcome = (pass: boolean) => ({ pass, output: pass ? 'yes' : 'no' });
const all = (run: Suite['runs'][number]) => run.checkpoints;

describe('GridResults', () => {
  it('reads back what shards recorded, in suite order, whatever order they finished in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmb-grid-'));
    const shard1 = new GridResults(dir, suite.name);
    const shard2 = new GridResults(dir, suite.name);
    shard2.record({ run: 'b', step: 10, checkpoint: 'checkpoint-10', outcomes: new Map([['p2', outcome(true)], ['p1', outcome(false)]]) }, probes);
    shard1.record({ run: 'a', step: 0, checkpoint: 'checkpoint-0', outcomes: new Map([['p1', outcome(true), ], ['p2', outcome(false)]]) }, probes);
    shard2.record({ run: 'b', step: 0, checkpoint: 'checkpoint-0', outcomes: new Map([['p1', outcome(true)], ['p2', outcome(true)]]) }, probes);
    shard1.record({ run: 'a', step: 10, checkpoint: 'checkpoint-10', outcomes: new Map([['p1', outcome(false)]]) }, probes);
    shard1.record({ run: 'a', step: 10, checkpoint: 'checkpoint-10', outcomes: new Map([['p2', outcome(true)]]) }, probes);

    const r = new GridResults(dir, suite.name).read(suite, all);
    expect(r.suite).toBe('fam/ily');
    expect([...r.probes.keys()]).toEqual(['echo', 'shout']);
    expect(r.probes.get('shout')![0].judge).toEqual({ kind: 'continuation', maxTokens: 4, check: { name: 'is loud' } });
    expect(r.checkpoints.map((c) => `${c.run}@${c.step}`)).toEqual(['a@0', 'a@10', 'b@0', 'b@10']);
    expect(Object.fromEntries(r.checkpoints[1].outcomes)).toEqual({ p1: outcome(false), p2: outcome(true) });
    expect(readdirSync(join(dir, 'fam%2Fily')).sort()).toEqual(['a', 'b', 'probes.json']);
  });

  it('names the checkpoints no shard has recorded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmb-grid-'));
    new GridResults(dir, suite.name).record({ run: 'a', step: 0, checkpoint: 'checkpoint-0', outcomes: new Map([['p1', outcome(true)], ['p2', outcome(true)]]) }, probes);
    const e = caught(() => new GridResults(dir, suite.name).read(suite, all));
    expect(e.code).toBe('GRID_INCOMPLETE');
    expect(e.message).toMatch(/^3 selected checkpoints of suite fam\/ily have no results in .*fam%2Fily: a@10, b@0, b@10$/);
    expect(new GridResults(dir, suite.name).read(suite, (run) => run.checkpoints.filter((c) => run.name === 'a' && c.step === 0)).checkpoints).toHaveLength(1);
  });

  it('refuses checkpoints that lack outcomes for some probes, a damaged file, and an empty folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmb-grid-'));
    const g = new GridResults(dir, suite.name);
    g.record({ run: 'a', step: 0, checkpoint: 'checkpoint-0', outcomes: new Map([['p1', outcome(true)]]) }, probes);
    const only = (run: Suite['runs'][number]) => run.checkpoints.filter((c) => run.name === 'a' && c.step === 0);
    expect(caught(() => g.read(suite, only)).message).toMatch(/lack outcomes for probes in its probes\.json: a@0 \(1 probes\)$/);
    writeFileSync(join(g.folder, 'a', '0.json'), '{"run": "a", "outc');
    expect(caught(() => g.read(suite, only)).code).toBe('GRID_DAMAGED');
    expect(caught(() => new GridResults(dir, 'other').read({ ...suite, name: 'other' }, all)).code).toBe('GRID_MISSING');
  });
});
