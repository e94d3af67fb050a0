import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const lmb = (...args: string[]) => spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'lmb.js'), ...args], { encoding: 'utf8' });

describe('lmb induction', () => {
  it('prints every run\'s ICL score and 2 x 4 prefix-matching scores per step of the demo family', () => {
    const run = lmb('induction', '--suite', 'demo', '--checkpoints', '0,4000', '--format', 'json', '--device', 'cpu');
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out.runs)).toEqual(['seed-1', 'seed-2', 'seed-3']);
    for (const r of Object.values(out.runs) as { phase_change_step: number | null; steps: Record<string, { icl_score: number; prefix_matching: number[][] }> }[]) {
      expect(r.phase_change_step === null || Number.isInteger(r.phase_change_step)).toBe(true);
      expect(Object.keys(r.steps)).toEqual(['0', '4000']);
      for (const s of Object.values(r.steps)) {
        expect(Number.isFinite(s.icl_score)).toBe(true);
        expect(s.prefix_matching).toHaveLength(2);
        for (const layer of s.prefix_matching) {
          expect(layer).toHaveLength(4);
          for (const x of layer) expect(x >= 0 && x <= 1).toBe(true);
        }
      }
    }
  });

  it('the table names each run and says where, or that no, phase change happened', () => {
    const run = lmb('induction', '--suite', 'demo', '--checkpoints', 'final', '--device', 'cpu');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/seed-1.*seed-2.*seed-3/);
    expect(run.stdout).toMatch(/seed-1: (no phase change|phase change at step \d+)/);
  });
});
