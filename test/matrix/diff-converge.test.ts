import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../harness/judge/judge.js';
import { cohensKappa, convergence, convergenceMarkdown } from '../../harness/matrix/converge.js';
import { diffMarkdown, diffMatrices } from '../../harness/matrix/diff.js';
import { markdownHtml } from '../../harness/report/markdown.js';
import { caught } from '../support/errors.js';
import { makeCell, type PassRateMatrix } from '../../harness/matrix/matrix.js';
import type { SuiteResults } from '../../harness/run/runner.js';
import type { Probe } from '../../harness/spec/probe.js';

const matrix = (cells: Record<string, [number, number]>): PassRateMatrix => {
  const m: PassRateMatrix = { suite: 's', behaviours: [], runs: [{ name: 'r', steps: [] }], cells: {} };
  for (const [key, [passed, total]] of Object.entries(cells)) {
    const [b, step] = key.split('@');
    if (!m.behaviours.includes(b)) m.behaviours.push(b);
    if (!m.runs[0].steps.includes(Number(step))) m.runs[0].steps.push(Number(step));
    ((m.cells[b] ??= {}).r ??= {})[step] = makeCell(passed, total);
  }
  return m;
};

describe('diffMatrices', () => {
  it('reports cells whose rate left the other interval, and added or removed cells', () => {
    const base = matrix({ 'parens@100': [50, 100], 'caps@100': [80, 100], 'old@100': [1, 10] });
    const head = matrix({ 'parens@100': [55, 100], 'caps@100': [60, 100], 'new@100': [3, 10] });
    const changes = diffMatrices(base, head);
    expect(changes.map((c) => [c.behaviour, c.before?.passed, c.after?.passed])).toEqual([
      ['caps', 80, 60], ['new', undefined, 3], ['old', 1, undefined],
    ]);
    const md = diffMarkdown(changes);
    expect(md).toContain('| caps | r | 100 | 80% (80/100) | 60% (60/100) | ▼ -20 pts |');
    expect(md).toContain('| new | r | 100 | — | 30% (3/10) | new |');
    expect(diffMarkdown(diffMatrices(base, base))).toContain('No cell left its 95% interval.');
  });

  it('says when a cell moved with its behaviour\'s probe set', () => {
    const base = { ...matrix({ 'caps@100': [80, 100], 'parens@100': [10, 100] }), probeSets: { caps: { hash: 'aaa', probes: 100 }, parens: { hash: 'ppp', probes: 100 } } };
    const head = { ...matrix({ 'caps@100': [30, 60], 'parens@100': [50, 100] }), probeSets: { caps: { hash: 'bbb', probes: 60 }, parens: { hash: 'ppp', probes: 100 } } };
    const md = diffMarkdown(diffMatrices(base, head));
    expect(md).toContain('| caps | r | 100 | 80% (80/100) | 50% (30/60) | ▼ -30 pts (probe set changed: 100 -> 60 probes) |');
    expect(md).toContain('| parens | r | 100 | 10% (10/100) | 50% (50/100) | ▲ 40 pts |');
  });
});

describe('convergence', () => {
  it("Cohen's kappa of the textbook table is 0.4", () => {
    expect(cohensKappa({ both: 20, onlyA: 5, onlyB: 10, neither: 15 })).toBe(0.4);
    // Both runs pass everything: nothing varies, so kappa is undefined rather than 1.
    expect(cohensKappa({ both: 10, onlyA: 0, onlyB: 0, neither: 0 })).toBeNull();
    expect(cohensKappa({ both: 0, onlyA: 0, onlyB: 0, neither: 0 })).toBeNull();
  });

  it('counts agreement per pair at the middle and final steps and follows mid-training splits', () => {
    const probes: Probe[] = [0, 1, 2, 3].map((i) => ({ id: `p${i}`, behaviour: 'b', prompt: `if __name__ == "__main__": ${i}`, judge: { kind: 'next', expected: 'x' } }));
    const never: Probe[] = [{ id: 'q', behaviour: 'never', prompt: 'hard', judge: { kind: 'next', expected: 'x' } }];
    const run = (name: string, step: number, passes: boolean[]) => ({
      run: name, step, checkpoint: `checkpoint-${step}`,
      outcomes: new Map<string, Outcome>([...passes.map((p, i): [string, Outcome] => [`b/p${i}`, { pass: p, output: p ? 'yes' : 'no' }]), ['never/q', { pass: false, output: 'no' }]]),
    });
    const results: SuiteResults = {
      suite: 'demo',
      probes: new Map([['b', probes], ['never', never]]),
      checkpoints: [
        run('A', 0, [false, false, false, false]), run('A', 10, [true, true, false, false]), run('A', 20, [true, true, true, false]),
        run('B', 0, [false, false, false, false]), run('B', 10, [true, false, true, false]), run('B', 20, [true, true, false, false]),
      ],
    };
    const c = convergence(results);
    expect(c.steps).toEqual([{ label: 'middle', step: 10 }, { label: 'final', step: 20 }]);
    const [mid, final] = c.pairs;
    expect(mid.byBehaviour.b).toEqual({ both: 1, onlyA: 1, onlyB: 1, neither: 1, kappa: 0 });
    expect(mid.byBehaviour.never).toEqual({ both: 0, onlyA: 0, onlyB: 0, neither: 1, kappa: null });
    // p1 split at step 10 (A only) is resolved at 20 (both pass); p2 (B only) is still split.
    expect(mid.splits.map((s) => [s.id, s.passedBy, s.atFinal])).toEqual([['p1', 'A', 'both'], ['p2', 'B', 'split']]);
    expect(final.overall).toMatchObject({ both: 2, onlyA: 1, onlyB: 0, neither: 2 });
    // Across both runs. Step 10: probes passed by 2, 1, 1, 0 runs: agreement 1/2 = chance, Fleiss' kappa 0.
    // Step 20: passed by 2, 2, 1, 0: agreement 3/4, chance (5/8)^2 + (3/8)^2 = 17/32, kappa (3/4 - 17/32) / (15/32) = 7/15.
    const [at10, at20] = c.acrossSeeds;
    expect(at10.behaviours[0]).toMatchObject({ behaviour: 'b', probes: 4, fleissKappa: 0, passedBy: [1, 2, 1], passRate: { mean: 0.5, seedSd: 0 } });
    expect(at20.behaviours[0]).toMatchObject({ fleissKappa: Math.round((7 / 15) * 1e4) / 1e4, passedBy: [1, 1, 2], passRate: { mean: 0.625 } });
    expect(at20.behaviours[1]).toMatchObject({ behaviour: 'never', fleissKappa: null, passedBy: [1, 0, 0] });
    expect(at20.mostSplit.map((s) => [s.id, s.passedBy, s.answers])).toEqual([['p2', ['A'], { A: 'yes', B: 'no' }]]);
    expect(c.changes[0]).toMatchObject({ behaviour: 'b', from: 10, to: 20, change: { difference: 0.125 } });
    // Emergence over steps 0, 10, 20. A: rates 0, 1/2, 3/4, half its rise (3/8) three quarters of the way
    // from ln 1 to ln 11: step 11^(3/4) - 1 = 5.03. B: 0, 1/2, 1/2, half-way at sqrt(11) - 1 = 2.32.
    const emerged = (run: string, b: string) => c.emergence.find((e) => e.run === run && e.behaviour === b);
    expect(emerged('A', 'b')).toMatchObject({ step: 5, from: 0, to: 0.75, noRise: expect.any(Number) });
    expect(emerged('B', 'b')).toMatchObject({ step: 2, from: 0, to: 0.5 });
    expect(emerged('A', 'never')).toMatchObject({ step: null, low: null, high: null, noRise: 1 });
    expect(c.comparisons).toEqual([]);
    // Two behaviours across the same runs: "never" minus "b" is -1/2 at step 10, -5/8 at step 20, never above 0.
    const compared = convergence(results, undefined, { compare: ['b', 'never'] });
    expect(compared.comparisons.map((x) => [x.step, x.difference.difference, x.difference.atMostZero])).toEqual([[10, -0.5, 1], [20, -0.625, 1]]);
    expect(convergenceMarkdown(compared)).toContain('## never minus b, all runs');
    expect(caught(() => convergence(results, undefined, { compare: ['b', 'nope'] }))).toMatchObject({ code: 'BEHAVIOUR_UNKNOWN', message: expect.stringContaining('--compare names nope') });
    const md = convergenceMarkdown(c);
    expect(md).toMatch(/\| b \| 5 \(\d+–\d+\) \| 2 \(\d+–\d+\) \| ×2\.5 \|/);
    expect(md).toContain('| never | no rise (0% → 0%) | no rise (0% → 0%) |  |');
    expect(md).toContain('| A | B | 1 | 1 | 1 | 2 | 0.167 |');
    // Prompts show literally, in the markdown and in the report's HTML: no bold "name" and "main".
    expect(md).toContain('"if \\_\\_name\\_\\_ == \\\\"\\_\\_main\\_\\_\\\\": 2"');
    const html = markdownHtml(md, { headingOffset: 0, shown: () => false });
    expect(html).toContain('if __name__ == \\&quot;__main__\\&quot;: 2');
    expect(html).not.toContain('<strong>name</strong>');
    expect(md).toContain('| A | B | 2 | 1 | 0 | 2 |');
    expect(md).toContain('| b | 4 | 50.0% |');
    expect(md).toContain('| never | 1 | 0.0% | 0.0% – 0.0% | 0.0% | n/a | 1 / 0 / 0 |');
    expect(md).toContain('| never | n/a |');
    expect(md).toContain('| b | +12.5 |');
  });
});
