import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMatrix } from '../../harness/matrix/matrix.js';
import { ResultCache } from '../../harness/run/result-cache.js';
import { evaluateSuite, type Progress } from '../../harness/run/runner.js';
import { behaviour } from '../../harness/spec/behaviour.js';
import { check, choice, continuation, next } from '../../harness/spec/probe.js';
import { tinySuite } from '../support/tiny-suite.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-runner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const words = ['the', 'a', 'cat', 'dog', 'sat', 'ran', 'on', 'in', 'mat', 'house', 'red', 'big'];
const nouns = behaviour('nouns', {
  description: 'picks a noun',
  probes: words.map((w, i) => choice(`The ${w}`, [' cat', ' dog', ' mat'], i % 3)),
});
const spaces = behaviour('spaces', {
  description: 'continues with a space',
  probes: words.map((w) => continuation(`I saw ${w}`, 2, check('starts with a space', (t) => t.startsWith(' ')))),
});
const nexts = behaviour('nexts', { description: 'next token', probes: words.map((w) => next(`${w} and`, ' the')) });

describe('evaluateSuite', () => {
  const suite = tinySuite(root, 'two-runs', ['seed-a', 'seed-b'], [0, 100]);

  it('fills every (behaviour, run, step) cell, caches outcomes, and recomputes only what is new', async () => {
    const cache = new ResultCache(join(root, 'cache'));
    const events: Progress[] = [];
    const first = await evaluateSuite({ suite, behaviours: [nouns, spaces], cache, model: { device: 'cpu' }, onProgress: (p) => events.push(p) });
    const m = buildMatrix(first);
    expect(m.behaviours).toEqual(['nouns', 'spaces']);
    expect(m.runs).toEqual([{ name: 'seed-a', steps: [0, 100] }, { name: 'seed-b', steps: [0, 100] }]);
    for (const b of m.behaviours) for (const r of m.runs) for (const s of r.steps) expect(m.cells[b][r.name][s].total).toBe(12);
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => (e as { computed: number }).computed)).toEqual([24, 24, 24, 24]);

    // Same behaviours again: nothing is computed, the matrix is identical.
    events.length = 0;
    const again = await evaluateSuite({ suite, behaviours: [nouns, spaces], cache, model: { device: 'cpu' }, onProgress: (p) => events.push(p) });
    expect(buildMatrix(again)).toEqual(m);
    expect(events.filter((e) => e.type === 'checkpoint').every((e) => (e as { computed: number }).computed === 0)).toBe(true);

    // A new behaviour: only its 12 probes are computed on each checkpoint.
    events.length = 0;
    const added = await evaluateSuite({ suite, behaviours: [nouns, spaces, nexts], cache, model: { device: 'cpu' }, onProgress: (p) => events.push(p) });
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => (e as { computed: number }).computed)).toEqual([12, 12, 12, 12]);
    expect(buildMatrix(added).cells.nouns).toEqual(m.cells.nouns);
  });

  it('different weights give different outcomes for some probes', async () => {
    const cache = new ResultCache(join(root, 'cache2'));
    const r = await evaluateSuite({ suite, behaviours: [nouns], cache, model: { device: 'cpu' } });
    const answers = r.checkpoints.map((c) => [...c.outcomes.values()].map((o) => o.output).join('|'));
    expect(new Set(answers).size).toBeGreaterThan(1);
  });

  it('a spec whose probes throw, or that has none, is named in a one-line error', async () => {
    const cache = new ResultCache(join(root, 'cache3'));
    const broken = behaviour('broken', { description: '', probes: () => { throw new Error('no data file'); } });
    broken.file = 'behaviours/broken.behaviour.ts';
    await expect(evaluateSuite({ suite, behaviours: [broken], cache })).rejects.toMatchObject({
      code: 'SPEC_FAILED',
      message: 'behaviour "broken" (behaviours/broken.behaviour.ts) threw while making its probes: no data file',
    });
    await expect(evaluateSuite({ suite, behaviours: [behaviour('empty', { description: '', probes: [] })], cache })).rejects.toMatchObject({ code: 'SPEC_EMPTY' });
  });
});
