import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { LmbError } from '../../errors.js';
import { atomicWrite } from '../../files/atomic-write.js';
import { emergenceChart } from '../../matrix/emergence-chart.js';
import { CONVERGENCE_FILE, readEmergenceInputs, type EmergenceInputs } from '../../matrix/emergence-inputs.js';
import { snapshotDir } from '../../matrix/snapshot.js';
import { renderChart } from '../../plot/chart.js';
import { findSuite } from '../../suite/registry.js';
import type { Suite } from '../../suite/suite.js';
import { tokensText } from '../../analysis/induction-report.js';
import { projectOf } from '../options.js';
import { commaList, comparisonName, requireTokensPerStep } from '../suite-options.js';

/**
 * When behaviours emerge and induction heads form, from what lmb run and lmb induction --out left
 * in the suites' snapshot folders (no model is loaded). Several suites share one chart on tokens seen.
 */
export function emergenceCommand(): Command {
  return new Command('emergence')
    .description('half-rise steps of every behaviour and the induction phase change per run, from the snapshots; --suite a,b compares families on tokens seen')
    .option('--suite <names>', 'one suite, or several comma-separated (their snapshot folders must hold convergence.json)', 'demo')
    .action(async (flags: { suite: string }, cmd: Command) => {
      const project = projectOf(cmd);
      const suites = await Promise.all(commaList(flags.suite).map((name) => findSuite(name)));
      const several = suites.length > 1;
      if (several) requireTokensPerStep(suites);
      const label = (s: Suite, run: string) => (several ? `${s.name}/${run}` : run);
      const merged: EmergenceInputs = { emergence: [], phaseChanges: [], inductionRuns: [] };
      const tokensPerStep = new Map<string, number>();
      for (const s of suites) {
        const dir = snapshotDir(project, s.name);
        if (!existsSync(join(dir, CONVERGENCE_FILE))) {
          throw new LmbError('FILE_MISSING', `${join(dir, CONVERGENCE_FILE)} does not exist`, `Run the behaviours over the whole grid first: lmb run --suite ${s.name}`);
        }
        const inputs = readEmergenceInputs(dir);
        merged.emergence.push(...inputs.emergence.map((e) => ({ ...e, run: label(s, e.run) })));
        merged.phaseChanges.push(...inputs.phaseChanges.map((p) => ({ ...p, run: label(s, p.run) })));
        merged.inductionRuns.push(...inputs.inductionRuns.map((r) => label(s, r)));
        for (const e of [...inputs.emergence, ...inputs.phaseChanges]) if (s.tokensPerStep) tokensPerStep.set(label(s, e.run), s.tokensPerStep);
      }
      const name = comparisonName(suites);
      const dir = snapshotDir(project, name);
      mkdirSync(dir, { recursive: true });
      atomicWrite(join(dir, 'emergence.svg'), await renderChart(emergenceChart(name, merged, several ? { tokensPerStep } : {})));
      process.stdout.write(`${emergenceTable(merged, tokensPerStep)}\n`);
      process.stderr.write(`wrote ${join(dir, 'emergence.svg')}\n`);
    });
}

/** One line per behaviour (and the phase change) and run: the step, with tokens seen where known. */
function emergenceTable(inputs: EmergenceInputs, tokensPerStep: ReadonlyMap<string, number>): string {
  const at = (run: string, step: number) => {
    const n = tokensPerStep.get(run);
    return n ? `${Math.round(step)} (${tokensText(step * n)})` : String(Math.round(step));
  };
  const rows = [
    ...inputs.emergence.map((e) => `| ${e.behaviour} | ${e.run} | ${e.step === null ? `no rise (${e.from.toFixed(3)} → ${e.to.toFixed(3)})` : `${at(e.run, e.step)}${e.low === null ? '' : `, 95% ${Math.round(e.low)}–${Math.round(e.high!)}`}`} |`),
    ...inputs.phaseChanges.map((p) => `| induction phase change | ${p.run} | ${at(p.run, p.step)}, after ${p.from} |`),
  ];
  return ['| behaviour | run | half-rise step |', '|---|---|---|', ...rows].join('\n');
}
