import { describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { CRFM_STEPS } from '../../harness/suite/crfm.js';
import { selectCheckpoints, selectSteps } from '../../harness/suite/select.js';
import type { CheckpointRef } from '../../harness/suite/suite.js';

const STEPS = [0, 10, 20, 50, 100, 200, 500, 1000];
const sel = (spec: string, steps: readonly number[] = STEPS) => selectSteps(steps, spec, 'run alias');

function error(spec: string, steps: readonly number[] = STEPS): LmbError {
  try {
    sel(spec, steps);
  } catch (e) {
    expect(e).toBeInstanceOf(LmbError);
    return e as LmbError;
  }
  throw new Error(`"${spec}" was accepted`);
}

describe('selectSteps', () => {
  it('all and final', () => {
    expect(sel('all')).toEqual(STEPS);
    expect(sel('final')).toEqual([1000]);
    expect(sel('all', [])).toEqual([]);
  });

  it('every:N takes every N-th checkpoint by position and always the final one', () => {
    expect(sel('every:3')).toEqual([0, 50, 500, 1000]);
    expect(sel('every:7')).toEqual([0, 1000]);
    expect(sel('every:2')).toEqual([0, 20, 100, 500, 1000]);
    expect(sel('every:1')).toEqual(STEPS);
    expect(sel('every:100')).toEqual([0, 1000]);
    expect(sel('every:50', CRFM_STEPS)).toHaveLength(14);
  });

  it('log:K spreads K checkpoints evenly in log-step, with 0 and the final one', () => {
    expect(sel('log:2')).toEqual([0, 1000]);
    expect(sel('log:3')).toEqual([0, 10, 1000]);
    expect(sel('log:4')).toEqual([0, 10, 100, 1000]);
    expect(sel('log:10', CRFM_STEPS)).toEqual([0, 10, 40, 150, 550, 2000, 7500, 28000, 106000, 400000]);
    expect(sel('log:8')).toEqual(STEPS);
    expect(sel('log:50')).toEqual(STEPS);
  });

  it('log:K never picks a checkpoint twice, moving to the next nearest one', () => {
    expect(sel('log:5', [0, 10, 11, 12, 1000, 2000])).toEqual([0, 10, 12, 1000, 2000]);
    expect(sel('log:4', [0, 1, 2, 3, 1000])).toEqual([0, 1, 3, 1000]);
    const many = sel('log:30', CRFM_STEPS);
    expect(new Set(many).size).toBe(30);
    expect(many[0]).toBe(0);
    expect(many.at(-1)).toBe(400000);
  });

  it('log:K on a run that does not start at 0 starts at its first step', () => {
    expect(sel('log:3', [100, 200, 1000, 10000])).toEqual([100, 1000, 10000]);
  });

  it('explicit steps and inclusive ranges', () => {
    expect(sel('0,1000,100')).toEqual([0, 100, 1000]);
    expect(sel('20-200')).toEqual([20, 50, 100, 200]);
    expect(sel('15-60')).toEqual([20, 50]);
    expect(sel('1000-1000')).toEqual([1000]);
    expect(sel('1000-5000,0,100', CRFM_STEPS)).toEqual([0, 100, 1000, 1050, 1100, 1150, 1200, 1250, 1300, 1350, 1400, 1450, 1500, 1550, 1600, 1650, 1700, 1750, 1800, 1850, 1900, 1950, 2000, 2100, 2200, 2300, 2400, 2500, 2600, 2700, 2800, 2900, 3000, 3100, 3200, 3300, 3400, 3500, 3600, 3700, 3800, 3900, 4000, 4100, 4200, 4300, 4400, 4500, 4600, 4700, 4800, 4900, 5000]);
  });

  it('unites combinations, without duplicates, in step order, ignoring spaces', () => {
    expect(sel('final, 0, log:3, 10-20, every:4')).toEqual([0, 10, 20, 100, 1000]);
  });

  it('names the nearest existing steps when a step is missing', () => {
    const e = error('150');
    expect(e.code).toBe('STEP_UNKNOWN');
    expect(e.oneLine()).toBe('run alias has no checkpoint at step 150; nearest: 100, 200. Pick an existing step, or a range such as 1000-5000');
    expect(error('5000').message).toBe('run alias has no checkpoint at step 5000; nearest: 1000');
    expect(error('2050', CRFM_STEPS).message).toContain('nearest: 2000, 2100');
    expect(error('101-199').message).toBe('run alias has no checkpoint in 101-199; nearest: 100, 200');
  });

  it('rejects malformed selections, naming the term and the forms', () => {
    for (const bad of ['', 'latest', 'every:0', 'every:', 'log:1', 'log:x', '5000-1000', '1,,2', '-5', '1.5']) {
      const e = error(bad);
      expect(e.code).toBe('SELECTION_INVALID');
      expect(e.fix).toContain('all, final, every:N, log:K');
    }
    expect(error('latest').message).toBe('checkpoint selection "latest" is invalid: it is not a selection');
    expect(error('5000-1000').message).toContain('a range goes from the lower step to the higher');
  });
});

describe('selectCheckpoints', () => {
  it('returns the run\'s own refs, in step order', () => {
    const checkpoints: CheckpointRef[] = STEPS.map((step) => ({ step, name: `checkpoint-${step}`, fetch: async () => '' }));
    const picked = selectCheckpoints({ name: 'alias', checkpoints }, '1000,0');
    expect(picked).toEqual([checkpoints[0], checkpoints[7]]);
    expect(() => selectCheckpoints({ name: 'seed-3', checkpoints }, '7')).toThrow('run seed-3 has no checkpoint at step 7; nearest: 0, 10');
  });
});
