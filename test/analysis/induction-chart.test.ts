import { describe, expect, it } from 'vitest';
import type { RunInduction } from '../../harness/analysis/induction.js';
import { ICL_PANEL, inductionChart, PREFIX_PANEL } from '../../harness/analysis/induction-chart.js';
import { inductionMarkdown } from '../../harness/analysis/induction-write.js';
import { renderChart } from '../../harness/plot/chart.js';

const STEPS = [0, 100, 1000, 4000];
/** Three runs over STEPS; a and c have a phase change, b has none. */
const PHASE: Record<string, RunInduction['phaseChange']> = {
  a: { step: 100, from: 0, prefixJump: 0.4, iclJump: 0.3, iclJumpStdError: 0.02 },
  b: null,
  c: { step: 1000, from: 100, prefixJump: 0.4, iclJump: 0.3, iclJumpStdError: 0.02 },
};
const RUNS: RunInduction[] = Object.entries(PHASE).map(([run, phaseChange]) => ({
  run,
  phaseChange,
  uniformPrefixMatching: 0.085,
  checkpoints: STEPS.map((step, i) => ({ step, iclScore: -0.1 * i, iclStdError: 0.01, iclWindows: [], prefixMatching: [[0.05, 0.1 * i], [0.02, 0.03]] })),
}));

const marks = (svg: string, role: string) => [...svg.matchAll(new RegExp(`<[a-z]+ aria-label="([^"]+)"[^>]*aria-roledescription="${role}"[^>]*stroke="([^"]+)"`, 'g'))]
  .map((m) => ({ label: m[1], stroke: m[2] }));

describe('inductionChart', () => {
  it('draws both panels with a line per run, and a rule in the run\'s colour at each phase change', async () => {
    const svg = await renderChart(inductionChart('fixture', RUNS));
    expect(svg).toContain(`>${ICL_PANEL}</text>`);
    expect(svg).toContain(`>${PREFIX_PANEL}</text>`);
    expect(svg).toContain('>a: phase change at step 100 · c: phase change at step 1000</text>');
    const lines = marks(svg, 'line mark');
    expect(lines.map((l) => /run: (\w+)/.exec(l.label)![1])).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    const rules = marks(svg, 'rule mark').filter((r) => r.label.includes('run'));
    const perPanel = ['training step (symlog): 100; run: a', 'training step (symlog): 1000; run: c'];
    expect(rules.map((r) => r.label)).toEqual([...perPanel, ...perPanel]);
    expect(rules.map((r) => r.stroke)).toEqual([lines[0].stroke, lines[2].stroke, lines[0].stroke, lines[2].stroke]);
  });

  it('draws the uniform-attention line once in the prefix-matching panel', async () => {
    const svg = await renderChart(inductionChart('fixture', RUNS));
    expect(marks(svg, 'rule mark').filter((r) => !r.label.includes('run'))).toEqual([{ label: 'uniform attention: 0.085', stroke: '#888' }]);
  });

  it('says when no run has a phase change', async () => {
    const svg = await renderChart(inductionChart('fixture', [RUNS[1]]));
    expect(svg).toContain('>no phase change in any run</text>');
    expect(marks(svg, 'rule mark').filter((r) => r.label.includes('run'))).toEqual([]);
  });
});

describe('inductionMarkdown', () => {
  const md = inductionMarkdown('fixture', RUNS);

  it('one row per step, the ICL score and best head per run, the checkpoint after a phase change in bold', () => {
    expect(md).toContain('| step | a ICL | a best head | b ICL | b best head | c ICL | c best head |');
    expect(md).toContain('| 100 | **-0.100 ± 0.020** | **0.100 L0.H1** | -0.100 ± 0.020 | 0.100 L0.H1 | -0.100 ± 0.020 | 0.100 L0.H1 |');
    expect(md).toContain('| 0 | +0.000 ± 0.020 | 0.050 L0.H0 |');
    expect(md).toContain('A head attending uniformly to every token so far scores 0.085.');
  });

  it('says per run where, or that no, phase change happened', () => {
    expect(md).toContain('- a: phase change at step 100 (from 0: best head +0.400, ICL score −0.300 nats, paired SE 0.020)');
    expect(md).toMatch(/^- b: no phase change \(/m);
  });
});
