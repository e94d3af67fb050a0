import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { buildMatrix } from '../../harness/matrix/matrix.js';
import { GraphModel } from '../../harness/model/graph-model.js';
import { planProbes } from '../../harness/run/probe-plan.js';
import { evaluateSuite, type Progress } from '../../harness/run/runner.js';
import { requestKey } from '../../harness/run/stored-answer.js';
import { behaviour, type Behaviour } from '../../harness/spec/behaviour.js';
import { check, choice, continuation, next } from '../../harness/spec/probe.js';
import { selectGrid } from '../../harness/suite/select.js';
import type { Suite } from '../../harness/suite/suite.js';
import { openTokenizer } from '../../harness/tokenize/open.js';
import { tinySuite } from '../support/tiny-suite.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-runner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const words = ['the', 'a', 'cat', 'dog', 'sat', 'ran', 'on', 'in', 'mat', 'house', 'red', 'big'];
const nouns = behaviour('nouns', {
  description: 'picks a noun',
  probes: words.map((w, i) => choice(`The ${w}`, [' cat', ' dog', ' mat'], i % 3)),
});
const spaces = (test: (t: string) => boolean) => behaviour('spaces', {
  description: 'continues with a space',
  probes: words.map((w) => continuation(`I saw ${w}`, 2, check('starts with a space', test))),
});
const nexts = behaviour('nexts', { description: 'next token', probes: words.map((w) => next(`${w} and`, ' the')) });

let caches = 0;
const freshCache = () => join(root, `cache-${caches++}`);

async function evaluate(suite: Suite, behaviours: Behaviour[], cacheDir: string) {
  const events: Progress[] = [];
  const results = await evaluateSuite({ suite, grid: selectGrid(suite, 'all'), behaviours, cacheDir, model: { device: 'cpu' }, onProgress: (p) => events.push(p) });
  const computed = events.flatMap((e) => (e.type === 'checkpoint' ? [e.computed] : []));
  return { results, computed, matrix: buildMatrix(results) };
}

describe('evaluateSuite', () => {
  const suite = tinySuite(root, 'two-runs', ['seed-a', 'seed-b'], [0, 100]);
  const startsWithSpace = spaces((t) => t.startsWith(' '));

  it('fills every (behaviour, run, step) cell, caches answers, and computes only requests that are new', async () => {
    const cacheDir = freshCache();
    const first = await evaluate(suite, [nouns, startsWithSpace], cacheDir);
    expect(first.matrix.behaviours).toEqual(['nouns', 'spaces']);
    expect(first.matrix.runs).toEqual([{ name: 'seed-a', steps: [0, 100] }, { name: 'seed-b', steps: [0, 100] }]);
    for (const b of first.matrix.behaviours) for (const r of first.matrix.runs) for (const s of r.steps) expect(first.matrix.cells[b][r.name][s].total).toBe(12);
    // 12 choices of 3 options share their 3 continuations per prompt: 36 loglikelihood requests, and 12 greedy ones.
    expect(first.computed).toEqual([48, 48, 48, 48]);

    const again = await evaluate(suite, [nouns, startsWithSpace], cacheDir);
    expect(again.matrix).toEqual(first.matrix);
    expect(again.computed).toEqual([0, 0, 0, 0]);

    // A new behaviour: only its 12 requests are computed on each checkpoint.
    const added = await evaluate(suite, [nouns, startsWithSpace, nexts], cacheDir);
    expect(added.computed).toEqual([12, 12, 12, 12]);
    expect(added.matrix.cells.nouns).toEqual(first.matrix.cells.nouns);
  });

  it('a check edited in place (same name) flips its cells on the next run, with no model loaded', async () => {
    const cacheDir = freshCache();
    const before = await evaluate(suite, [startsWithSpace], cacheDir);
    const built = vi.spyOn(GraphModel, 'fromCheckpoint');
    const after = await evaluate(suite, [spaces((t) => !t.startsWith(' '))], cacheDir);
    expect(built).not.toHaveBeenCalled();
    expect(after.computed).toEqual([0, 0, 0, 0]);
    for (const r of before.matrix.runs) {
      for (const s of r.steps) {
        const [b, a] = [before.matrix.cells.spaces[r.name][s], after.matrix.cells.spaces[r.name][s]];
        expect(a.passed).toBe(12 - b.passed);
      }
    }
    // Some cell really flipped (the tiny models do start some continuations with a space, and not others).
    expect(JSON.stringify(after.matrix.cells)).not.toBe(JSON.stringify(before.matrix.cells));
  });

  it('two specs with one probe (same prompt, checks of one name) that judge differently each keep their own verdict', async () => {
    const always = behaviour('always', { description: '', probes: [continuation('I saw the', 2, check('ok', () => true))] });
    const never = behaviour('never', { description: '', probes: [continuation('I saw the', 2, check('ok', () => false))] });
    const r = await evaluate(suite, [always, never], freshCache());
    expect(r.computed).toEqual([1, 1, 1, 1]);
    for (const run of r.matrix.runs) {
      for (const step of run.steps) {
        expect(r.matrix.cells.always[run.name][step].passed).toBe(1);
        expect(r.matrix.cells.never[run.name][step].passed).toBe(0);
      }
    }
  });

  it('a probe shared by two specs is one request, computed once per checkpoint', async () => {
    const same = (name: string) => behaviour(name, { description: 'next token', probes: words.map((w) => next(`${w} and`, ' the')) });
    const r = await evaluate(suite, [same('first'), same('second')], freshCache());
    expect(r.computed).toEqual([12, 12, 12, 12]);
    expect(r.matrix.cells.first).toEqual(r.matrix.cells.second);
  });

  it('a tokenizer change recomputes exactly the requests whose ids changed', async () => {
    const own = tinySuite(root, 'retokenized', ['seed-a'], [0, 100]);
    const cacheDir = freshCache();
    const behaviours = [nouns, startsWithSpace, nexts];
    await evaluate(own, behaviours, cacheDir);
    const dirs = await Promise.all(own.runs[0].checkpoints.map((c) => c.fetch()));
    const keysOf = (dir: string) => new Set(planProbes(behaviours, openTokenizer(dir)).requests.keys());
    const before = keysOf(dirs[0]);
    // Without the merge "Ġc at", " cat" is no longer one token: only prompts and options with " cat" change.
    for (const dir of dirs) {
      const merges = readFileSync(join(dir, 'merges.txt'), 'utf8').split('\n');
      writeFileSync(join(dir, 'merges.txt'), merges.filter((m) => m !== 'Ġc at').join('\n'));
    }
    const after = keysOf(dirs[0]);
    const changed = [...after].filter((k) => !before.has(k)).length;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(after.size / 2);
    const rerun = await evaluate(own, behaviours, cacheDir);
    expect(rerun.computed).toEqual([changed, changed]);
  });

  it('answers stored in another format, or that do not fit their request, are recomputed, never used', async () => {
    const own = tinySuite(root, 'old-cache', ['seed-a'], [0]);
    const cacheDir = freshCache();
    const first = await evaluate(own, [nexts], cacheDir);
    const { readdirSync } = await import('node:fs');
    const [file] = readdirSync(join(cacheDir, 'answers'));
    const path = join(cacheDir, 'answers', file);
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    const bogus = Object.fromEntries(Object.keys(stored.answers).map((k) => [k, { kind: 'loglikelihood', logprob: 0, isGreedy: true }]));
    writeFileSync(path, JSON.stringify({ format: 0, answers: bogus }));
    const older = await evaluate(own, [nexts], cacheDir);
    expect(older.computed).toEqual([12]);
    expect(older.matrix).toEqual(first.matrix);
    // Right format, wrong shape (a greedy answer stored for a loglikelihood request): recomputed too.
    writeFileSync(path, JSON.stringify({ format: 1, answers: Object.fromEntries(Object.keys(bogus).map((k) => [k, { kind: 'greedy', tokens: [1] }])) }));
    expect((await evaluate(own, [nexts], cacheDir)).computed).toEqual([12]);
    // A greedy continuation cut shorter than maxTokens, without ending at a stop id, is recomputed.
    const greedy = behaviour('greedy', { description: '', probes: [continuation('I saw the', 3, check('any', () => true))] });
    const full = await evaluate(own, [greedy], cacheDir);
    const stored2 = JSON.parse(readFileSync(path, 'utf8'));
    const [key] = Object.entries(stored2.answers).find(([, a]) => (a as { kind: string }).kind === 'greedy')!;
    expect(stored2.answers[key].tokens).toHaveLength(3);
    stored2.answers[key].tokens = stored2.answers[key].tokens.slice(0, 1);
    writeFileSync(path, JSON.stringify(stored2));
    const again = await evaluate(own, [greedy], cacheDir);
    expect(again.computed).toEqual([1]);
    expect(again.results.checkpoints[0].outcomes).toEqual(full.results.checkpoints[0].outcomes);
  });

  it('request keys are the content a model is given: kind, ids and parameters', () => {
    expect(requestKey({ kind: 'greedy', context: [1, 2], maxTokens: 3 })).toBe(requestKey({ kind: 'greedy', context: [1, 2], maxTokens: 3, stopIds: [] }));
    expect(requestKey({ kind: 'greedy', context: [1, 2], maxTokens: 3 })).not.toBe(requestKey({ kind: 'greedy', context: [1, 2], maxTokens: 4 }));
    expect(requestKey({ kind: 'loglikelihood', context: [1], continuation: [2, 3] })).not.toBe(requestKey({ kind: 'loglikelihood', context: [1, 2], continuation: [3] }));
    expect(requestKey({ kind: 'tokens', ids: [1, 2, 3] })).toBe(requestKey({ kind: 'tokens', ids: [1, 2, 3], from: 1 }));
  });

  it('different weights give different outcomes for some probes', async () => {
    const r = await evaluate(suite, [nouns], freshCache());
    const answers = r.results.checkpoints.map((c) => [...c.outcomes.values()].map((o) => o.output).join('|'));
    expect(new Set(answers).size).toBeGreaterThan(1);
  });

  it('a spec whose probes throw, or that has none, is named in a one-line error', async () => {
    const broken = behaviour('broken', { description: '', probes: () => { throw new Error('no data file'); } });
    broken.file = 'behaviours/broken.behaviour.ts';
    await expect(evaluate(suite, [broken], freshCache())).rejects.toMatchObject({
      code: 'SPEC_FAILED',
      message: 'behaviour "broken" (behaviours/broken.behaviour.ts) threw while making its probes: no data file',
    });
    await expect(evaluate(suite, [behaviour('empty', { description: '', probes: [] })], freshCache())).rejects.toMatchObject({ code: 'SPEC_EMPTY' });
  });
});
