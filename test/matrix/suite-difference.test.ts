import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prng } from '../../harness/analysis/prng.js';
import type { Outcome } from '../../harness/judge/judge.js';
import { suiteDifference } from '../../harness/matrix/suite-difference.js';
import type { SuiteResults } from '../../harness/run/runner.js';
import type { Probe } from '../../harness/spec/probe.js';
import { scratchProject } from '../support/behaviours-project.js';
import { lmb } from '../support/cli.js';

const probes = (n: number, prefix = 'p'): Probe[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, behaviour: 'b', prompt: `q${i}`, judge: { kind: 'next', expected: 'x' } }));

/** `runs` runs whose every probe passes with probability `rate` (drawn once per run), at steps 0 and 100. */
function family(suite: string, rate: number, runs: number, ps: Probe[], seed: number): SuiteResults {
  const rand = prng(seed);
  return {
    suite,
    probes: new Map([['b', ps]]),
    checkpoints: Array.from({ length: runs }, (_, r) => [0, 100].map((step) => ({
      run: `r${r}`, step, checkpoint: `checkpoint-${step}`,
      outcomes: new Map<string, Outcome>(ps.map((p) => [`b/${p.id}`, { pass: step === 100 && rand() < rate, output: '' }])),
    }))).flat(),
  };
}

describe('suiteDifference', () => {
  it('recovers a planted gap between two families at their final steps, probes paired when both asked the same ones', () => {
    const [d] = suiteDifference(family('a', 0.2, 3, probes(300), 1), family('b', 0.7, 5, probes(300), 2));
    expect(d.pairedProbes).toBe(true);
    expect(d.a).toMatchObject({ suite: 'a', step: 100, runs: 3 });
    expect(d.b).toMatchObject({ suite: 'b', step: 100, runs: 5 });
    expect(d.difference.difference).toBeCloseTo(d.b.passRate.mean - d.a.passRate.mean, 3);
    expect(Math.abs(d.difference.difference - 0.5)).toBeLessThan(0.05);
    expect(d.difference.low).toBeLessThan(d.difference.difference);
    expect(d.difference.high).toBeGreaterThan(d.difference.difference);
    expect(d.difference.atMostZero).toBe(0);
  });

  it('no gap: the interval straddles zero; different probes are resampled apart', () => {
    const [d] = suiteDifference(family('a', 0.5, 4, probes(200), 3), family('b', 0.5, 4, probes(200, 'other'), 4));
    expect(d.pairedProbes).toBe(false);
    expect(d.difference.low).toBeLessThan(0);
    expect(d.difference.high).toBeGreaterThan(0);
    expect(d.difference.atMostZero).toBeGreaterThan(0.05);
    expect(d.difference.atMostZero).toBeLessThan(0.95);
  });
});

describe('lmb converge --suite a,b', () => {
  const project = scratchProject('suite-difference');
  it('the difference between the demo at step 4000 and a copy that ends at step 0 is what the committed matrix says', async () => {
    const repo = join(import.meta.dirname, '..', '..');
    const copy = join(project, 'demo-start.ts');
    writeFileSync(copy, `import demo from ${JSON.stringify(join(repo, 'suites', 'demo', 'suite.ts'))};
export default { ...demo, name: 'demo-start', runs: demo.runs.map((r) => ({ ...r, checkpoints: r.checkpoints.slice(0, 1) })) };\n`);
    const out = await lmb({ cwd: project, env: { LMB_CACHE: join(project, '.lmb') } }, 'converge', '--suite', `demo,${copy}`, '--checkpoints', 'final', '--behaviours', 'language-continuation,emails', '--device', 'cpu', '--format', 'json');
    expect(out.status, out.stderr).toBe(0);
    const rows = JSON.parse(out.stdout) as ReturnType<typeof suiteDifference>;
    const matrix = JSON.parse(readFileSync(join(repo, 'snapshots', 'demo', 'matrix.json'), 'utf8'));
    const mean = (b: string, step: number) => ['seed-1', 'seed-2', 'seed-3'].reduce((s, r) => s + matrix.cells[b][r][step].rate, 0) / 3;
    expect(rows.map((r) => r.behaviour)).toEqual(['emails', 'language-continuation']);
    for (const r of rows) {
      expect(r).toMatchObject({ a: { suite: 'demo', step: 4000, runs: 3 }, b: { suite: 'demo-start', step: 0, runs: 3 }, pairedProbes: true });
      expect(r.difference.difference).toBeCloseTo(mean(r.behaviour, 0) - mean(r.behaviour, 4000), 3);
      expect(r.difference.high).toBeLessThan(0);
    }
    const refused = await lmb({ cwd: project }, 'converge', '--suite', `demo,${copy}`, '--steps', '0');
    expect(refused.stderr).toMatch(/^lmb: OPTION_INVALID: --steps and --compare are for one suite/);
  }, 120_000);
});
