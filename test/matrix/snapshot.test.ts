import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeSetChange } from '../../harness/matrix/matrix.js';
import { readSnapshot, writeResultsSnapshot } from '../../harness/matrix/snapshot.js';
import { caught } from '../support/errors.js';
import type { SuiteResults } from '../../harness/run/runner.js';
import type { ProbeRecord } from '../../harness/spec/probe.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-snapshot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const probe = (behaviour: string, id: string): ProbeRecord => ({ id, behaviour, prompt: id, judge: { kind: 'next', expected: ' x' } });
const PROBES = { echo: ['e1', 'e2', 'e3', 'e4'], shout: ['s1', 's2'] };

/** Results over `cells` ([run, step] pairs), where probe p passes at (run, step) when `passes(p, run, step)`. */
function results(cells: [string, number][], probes: Record<string, string[]>, passes: (id: string, run: string, step: number) => boolean): SuiteResults {
  return {
    suite: 'fam',
    probes: new Map(Object.entries(probes).map(([b, ids]) => [b, ids.map((id) => probe(b, id))])),
    checkpoints: cells.map(([run, step]) => ({
      run, step, checkpoint: `checkpoint-${step}`,
      outcomes: new Map(Object.entries(probes).flatMap(([b, ids]) => ids.map((id) => [`${b}/${id}`, { pass: passes(id, run, step), output: '' }]))),
    })),
  };
}
const FULL: [string, number][] = [['a', 0], ['a', 10], ['b', 0], ['b', 10]];
const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'matrix.json'), 'utf8'));

describe('writeResultsSnapshot', () => {
  it('a narrowed run updates only its cells: every other committed cell stays byte for byte, convergence untouched', async () => {
    const dir = join(root, 'narrowed');
    const full = await writeResultsSnapshot(dir, results(FULL, PROBES, (id, run, step) => (id.charCodeAt(1) + step + run.length) % 2 === 0));
    expect(full).toMatchObject({ updated: 16 - 8, kept: 0, convergence: true });
    const committed = read(dir);
    const convergence = readFileSync(join(dir, 'convergence.json'), 'utf8');
    const emergenceSvg = readFileSync(join(dir, 'emergence.svg'), 'utf8');
    expect(emergenceSvg).toMatch(/^<svg/);

    // Only echo, only run b at step 10: every probe now passes.
    const u = await writeResultsSnapshot(dir, results([['b', 10]], { echo: PROBES.echo }, () => true), { partial: true });
    expect(u).toMatchObject({ updated: 1, kept: 7, dropped: [], convergence: false });
    const now = read(dir);
    expect(now.cells.echo.b['10']).toMatchObject({ passed: 4, total: 4 });
    for (const b of ['echo', 'shout']) {
      for (const [run, step] of FULL) {
        if (b === 'echo' && run === 'b' && step === 10) continue;
        expect(JSON.stringify(now.cells[b][run][String(step)])).toBe(JSON.stringify(committed.cells[b][run][String(step)]));
      }
    }
    expect(now.probeSets).toEqual(committed.probeSets);
    expect(readFileSync(join(dir, 'convergence.json'), 'utf8')).toBe(convergence);
    expect(readFileSync(join(dir, 'emergence.svg'), 'utf8')).toBe(emergenceSvg);
  });

  it('a narrowed run that changed a behaviour\'s probe set drops that behaviour\'s other cells and says so', async () => {
    const dir = join(root, 'changed');
    await writeResultsSnapshot(dir, results(FULL, PROBES, () => false));
    const fewer = { echo: ['e1', 'e2'] };
    const u = await writeResultsSnapshot(dir, results([['a', 10]], fewer, () => true), { partial: true });
    expect(u.dropped).toEqual([{ behaviour: 'echo', change: 'probe set changed: 4 -> 2 probes', cells: 3 }]);
    const now = read(dir);
    expect(Object.keys(now.cells.echo.a)).toEqual(['10']);
    expect(now.cells.echo.b).toEqual({});
    expect(Object.keys(now.cells.shout.b)).toEqual(['0', '10']);
    expect(now.probeSets.echo.probes).toBe(2);
    // The views show a cell that is not there as a dash rather than failing.
    expect(readFileSync(join(dir, 'matrix.md'), 'utf8')).toMatch(/\| echo \| — \| 100% \(\d+%–100%\) \|/);
    expect(readFileSync(join(dir, 'heatmap.svg'), 'utf8')).toContain('echo · b · step 0: not evaluated');
  });

  it('a snapshot written before probe sets were recorded: cells counting other totals are taken as another probe set', async () => {
    const dir = join(root, 'older');
    await writeResultsSnapshot(dir, results(FULL, PROBES, () => false));
    const older = read(dir);
    delete older.probeSets;
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify(older));
    const u = await writeResultsSnapshot(dir, results([['a', 10]], { echo: ['e1', 'e2', 'e3', 'e4', 'e5'] }, () => true), { partial: true });
    expect(u.dropped).toEqual([{ behaviour: 'echo', change: 'probe set changed: 4 -> 5 probes', cells: 3 }]);
    expect(read(dir).cells.echo.a).toEqual({ 10: expect.objectContaining({ total: 5 }) });
  });

  it('a matrix.json of the wrong shape is a one-line SNAPSHOT_INVALID naming the field', async () => {
    const dir = join(root, 'damaged');
    await writeResultsSnapshot(dir, results(FULL, PROBES, () => false));
    const m = read(dir);
    m.cells.echo.b = null;
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify(m));
    expect(caught(() => readSnapshot(dir))).toMatchObject({ code: 'SNAPSHOT_INVALID', message: expect.stringContaining('(cells.echo.b: ') });
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify({ ...m, runs: [{ name: 'a' }] }));
    expect(caught(() => readSnapshot(dir)).message).toContain('(runs.0.steps: ');
  });

  it('probe sets are compared by the ids in them, in any order', () => {
    const m = (ids: string[]) => ({ suite: 's', behaviours: ['x'], runs: [], cells: {}, probeSets: { x: { hash: [...ids].sort().join(''), probes: ids.length } } });
    expect(probeSetChange(m(['a', 'b']), m(['b', 'a']), 'x')).toBeUndefined();
    expect(probeSetChange(m(['a', 'b']), m(['a', 'c']), 'x')).toBe('probe set changed: 2 -> 2 probes');
    expect(probeSetChange(undefined, m(['a']), 'x')).toBeUndefined();
  });
});
