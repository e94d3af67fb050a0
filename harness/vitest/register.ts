/** Setup file of the behaviours project: each spec file's behaviour() becomes tests. */
import { describe, inject, test } from 'vitest';
import { probeSetChange, type Cell } from '../matrix/matrix.js';
import { setRegisterHook, type Behaviour } from '../spec/behaviour.js';
import { cellKey, type BehaviourRun } from './context.js';
import './context.js';

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const show = (c: Cell) => `${pct(c.rate)} (${c.passed}/${c.total})`;

function failureList(ctx: BehaviourRun, b: string, run: string, step: number): string {
  const f = ctx.failures[cellKey(b, run, step)];
  if (!f?.failed) return '';
  const lines = f.sample.map((p) => `  ${p.id}  ${p.prompt}\n      expected ${p.expected}; got ${p.actual}`);
  return `\nFailing probes now (${f.sample.length} of ${f.failed}):\n${lines.join('\n')}`;
}

function rerun(b: string, run: string, step: number): string {
  return `\nRe-run this cell: npx vitest --project behaviours -t "${b} ${run} @ step ${step}"  (accept the new rate: add -u)`;
}

setRegisterHook((b: Behaviour) => {
  const ctx = inject('lmb');
  describe(b.name, () => {
    for (const run of ctx.matrix.runs) {
      for (const step of run.steps) {
        test(`${run.name} @ step ${step}`, () => {
          const now = ctx.matrix.cells[b.name]?.[run.name]?.[String(step)];
          if (!now) throw new Error(`${b.name} has no result for ${run.name} @ step ${step}`);
          const before = ctx.snapshot?.cells[b.name]?.[run.name]?.[String(step)];
          if (!before) {
            throw new Error(`no snapshot for ${b.name} · ${run.name} @ step ${step} in snapshots/${ctx.suite}/matrix.json (now ${show(now)}).` +
              '\nWrite it: npx vitest --project behaviours -u');
          }
          if (now.rate < before.low || now.rate > before.high) {
            const changed = probeSetChange(ctx.snapshot, ctx.matrix, b.name);
            if (changed) {
              throw new Error(`${b.name} · ${run.name} @ step ${step}: ${changed} since the snapshot, so its pass rate moved with its probes ` +
                `(now ${show(now)}, snapshot ${show(before)}), not necessarily with the model.\nAccept the new probe set: npx vitest --project behaviours -u`);
            }
            throw new Error(`${b.name} · ${run.name} @ step ${step}: pass rate ${show(now)} left the snapshot's 95% interval ` +
              `${pct(before.low)}–${pct(before.high)} (snapshot: ${show(before)}).${failureList(ctx, b.name, run.name, step)}${rerun(b.name, run.name, step)}`);
          }
        });
      }
      for (const floor of b.floors ?? []) {
        if (floor.suites && !floor.suites.includes(ctx.suite)) continue;
        const steps = floor.from === undefined || floor.from === 'final' ? [ctx.finalSteps[run.name]] : run.steps.filter((s) => s >= (floor.from as number));
        for (const step of steps.filter((s) => run.steps.includes(s))) {
          test(`${run.name} @ step ${step} reaches the floor ${pct(floor.rate)}`, () => {
            const now = ctx.matrix.cells[b.name]?.[run.name]?.[String(step)];
            if (now && now.rate < floor.rate) {
              throw new Error(`${b.name} · ${run.name} @ step ${step}: pass rate ${show(now)} is below the floor ${pct(floor.rate)}.` +
                `${failureList(ctx, b.name, run.name, step)}${rerun(b.name, run.name, step)}`);
            }
          });
        }
      }
    }
  });
});
