import { describe, expect, it } from 'vitest';
import { CRFM_CONFIG_OVERRIDES, CRFM_STEPS, scheduleSteps } from '../../harness/suite/crfm.js';
import medium from '../../suites/crfm-gpt2-medium.js';
import small from '../../suites/crfm-gpt2-small.js';

const TABLE = [
  [small, 'alias', 'stanford-crfm/alias-gpt2-small-x21', 21],
  [small, 'battlestar', 'stanford-crfm/battlestar-gpt2-small-x49', 49],
  [small, 'caprica', 'stanford-crfm/caprica-gpt2-small-x81', 81],
  [small, 'darkmatter', 'stanford-crfm/darkmatter-gpt2-small-x343', 343],
  [small, 'expanse', 'stanford-crfm/expanse-gpt2-small-x777', 777],
  [medium, 'arwen', 'stanford-crfm/arwen-gpt2-medium-x21', 21],
  [medium, 'beren', 'stanford-crfm/beren-gpt2-medium-x49', 49],
  [medium, 'celebrimbor', 'stanford-crfm/celebrimbor-gpt2-medium-x81', 81],
  [medium, 'durin', 'stanford-crfm/durin-gpt2-medium-x343', 343],
  [medium, 'eowyn', 'stanford-crfm/eowyn-gpt2-medium-x777', 777],
] as const;

describe('the CRFM schedule', () => {
  it('has 609 steps: every 10 to 100, every 50 to 2000, every 100 to 20000, every 1000 to 400000', () => {
    expect(CRFM_STEPS).toHaveLength(609);
    expect(CRFM_STEPS.slice(0, 13)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 150, 200]);
    expect(CRFM_STEPS.slice(-3)).toEqual([398000, 399000, 400000]);
    expect(CRFM_STEPS.filter((s) => s <= 100)).toHaveLength(11);
    expect(CRFM_STEPS.filter((s) => s > 100 && s <= 2000)).toHaveLength(38);
    expect(CRFM_STEPS.filter((s) => s > 2000 && s <= 20000)).toHaveLength(180);
    expect(CRFM_STEPS.filter((s) => s > 20000)).toHaveLength(380);
    expect(CRFM_STEPS).toContain(1950);
    expect(CRFM_STEPS).toContain(2100);
    expect(CRFM_STEPS).not.toContain(2050);
    expect(CRFM_STEPS).toContain(21000);
    expect(CRFM_STEPS).not.toContain(20500);
  });

  it('scheduleSteps builds any such schedule', () => {
    expect(scheduleSteps([{ every: 2, until: 4 }, { every: 3, until: 10 }])).toEqual([0, 2, 4, 7, 10]);
  });
});

describe('CRFM suites', () => {
  it('have their five runs each, in table order', () => {
    expect(small.name).toBe('crfm-gpt2-small');
    expect(medium.name).toBe('crfm-gpt2-medium');
    expect(small.runs.map((r) => r.name)).toEqual(['alias', 'battlestar', 'caprica', 'darkmatter', 'expanse']);
    expect(medium.runs.map((r) => r.name)).toEqual(['arwen', 'beren', 'celebrimbor', 'durin', 'eowyn']);
  });

  it.each(TABLE)('%#: %s has seed, aliases, the attention flags and 609 checkpoint-N revisions', (suite, name, repo, seed) => {
    const run = suite.runs.find((r) => r.name === name)!;
    expect(run.seed).toBe(seed);
    expect(run.aliases).toEqual([repo, repo.split('/')[1], `seed-${seed}`]);
    expect(run.configOverrides).toEqual({ scale_attn_by_inverse_layer_idx: true, reorder_and_upcast_attn: true });
    expect(run.configOverrides).toBe(CRFM_CONFIG_OVERRIDES);
    expect(run.checkpoints).toHaveLength(609);
    expect(run.checkpoints.map((c) => c.step)).toEqual(CRFM_STEPS);
    expect(run.checkpoints.slice(0, 3).map((c) => c.name)).toEqual(['checkpoint-0', 'checkpoint-10', 'checkpoint-20']);
    expect(run.checkpoints.slice(-2).map((c) => c.name)).toEqual(['checkpoint-399000', 'checkpoint-400000']);
    expect(typeof run.checkpoints[0].evict).toBe('function');
  });
});
