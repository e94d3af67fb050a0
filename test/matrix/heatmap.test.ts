import { describe, expect, it } from 'vitest';
import { chanceBaseline, matrixHeatmap } from '../../harness/matrix/heatmap.js';
import { makeCell, probeSetOf, type PassRateMatrix } from '../../harness/matrix/matrix.js';

const choice = (id: string, options: number) => ({ id, judge: { kind: 'choice' as const, options: Array.from({ length: options }, (_, i) => `o${i}`), answer: 0 } });
const next = (id: string) => ({ id, judge: { kind: 'next' as const, expected: 'x' } });

describe('chance baselines', () => {
  it('a choice behaviour guesses at the mean of 1 / options; a set with other probes has no guessing rate', () => {
    expect(probeSetOf([choice('a', 2), choice('b', 4)]).chance).toBe(0.375);
    expect(probeSetOf([choice('a', 2), next('b')]).chance).toBeUndefined();
  });

  it('is guessing for choice probes, else the mean step-0 rate over the runs that have step 0, else undefined', () => {
    const m: PassRateMatrix = {
      suite: 's', behaviours: ['pick', 'write', 'late'],
      runs: [{ name: 'r1', steps: [0, 10] }, { name: 'r2', steps: [0, 10] }],
      probeSets: { pick: { ...probeSetOf([choice('a', 4)]) }, write: probeSetOf([next('w')]), late: probeSetOf([next('l')]) },
      cells: {
        pick: { r1: { 0: makeCell(1, 2), 10: makeCell(2, 2) }, r2: { 0: makeCell(0, 2), 10: makeCell(2, 2) } },
        write: { r1: { 0: makeCell(2, 5), 10: makeCell(5, 5) }, r2: { 0: makeCell(1, 5), 10: makeCell(4, 5) } },
        late: { r1: { 10: makeCell(1, 1) }, r2: { 10: makeCell(1, 1) } },
      },
    };
    expect(chanceBaseline(m, 'pick')).toEqual({ rate: 0.25, label: 'guessing among the options' });
    expect(chanceBaseline(m, 'write')).toEqual({ rate: expect.closeTo(0.3, 12), label: 'the mean at step 0 over 2 runs' });
    expect(chanceBaseline(m, 'late')).toBeUndefined();
    const svg = matrixHeatmap(m);
    expect(svg).toContain('<title>pick: chance 25% (guessing among the options)</title>');
    expect(svg).toContain('<title>write: chance 30% (the mean at step 0 over 2 runs)</title>');
    expect(svg).not.toContain('late: chance');
    // The legend: six swatches from 0% to 100%.
    expect(svg.match(/>\d+%<\/text>/g)).toEqual(['>0%</text>', '>20%</text>', '>40%</text>', '>60%</text>', '>80%</text>', '>100%</text>']);
  });
});
