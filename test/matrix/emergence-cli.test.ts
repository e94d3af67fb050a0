import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PHASE_CHANGE_ROW } from '../../harness/matrix/emergence-chart.js';
import { readEmergenceInputs } from '../../harness/matrix/emergence-inputs.js';
import { scratchProject } from '../support/behaviours-project.js';
import { lmb } from '../support/cli.js';

/** Two families' snapshot folders with planted half-rise steps and phase changes, as lmb run and lmb induction --out leave them. */
const project = scratchProject('emergence-families');
const row = (run: string, behaviour: string, step: number | null) => ({ run, behaviour, from: 0.1, to: step === null ? 0.12 : 0.9, step, low: step && step * 0.8, high: step && step * 1.25, noRise: 0 });
function family(name: string, tokensPerStep: number | undefined, emergence: object[], induction: Record<string, { phase_change_step: number | null; phase_change_from: number | null }>) {
  writeFileSync(join(project, `${name}.ts`), `export default { name: '${name}', ${tokensPerStep ? `tokensPerStep: ${tokensPerStep}, ` : ''}runs: [{ name: 'r1', checkpoints: [] }] };\n`);
  mkdirSync(join(project, 'snapshots', name, 'induction'), { recursive: true });
  writeFileSync(join(project, 'snapshots', name, 'convergence.json'), JSON.stringify({ emergence }));
  writeFileSync(join(project, 'snapshots', name, 'induction', 'induction.json'), JSON.stringify({ runs: induction }));
}
family('learned', 524_288, [row('alias', 'emails', 2000), row('alias', 'facts', null)], { alias: { phase_change_step: 1000, phase_change_from: 500 } });
family('rotary', 2_097_152, [row('seed1', 'emails', 500)], { seed1: { phase_change_step: 256, phase_change_from: 0 } });
family('untold', undefined, [row('r1', 'emails', 10)], {});

describe('lmb emergence', () => {
  it('reads the snapshot folders back: half-rise steps and phase changes, where they happened', () => {
    expect(readEmergenceInputs(join(project, 'snapshots', 'rotary'))).toEqual({
      emergence: [row('seed1', 'emails', 500)], phaseChanges: [{ run: 'seed1', from: 0, step: 256 }], inductionRuns: ['seed1'],
    });
  });

  it('--suite a,b puts both families on tokens seen: 2000 CRFM steps and 500 Pythia steps are both 1.05B tokens', async () => {
    const out = await lmb({ cwd: project }, '--root', project, 'emergence', '--suite', 'learned.ts,rotary.ts');
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout.split('\n')).toEqual([
      '| behaviour | run | half-rise step |',
      '|---|---|---|',
      '| emails | learned/alias | 2000 (1.05B tokens), 95% 1600–2500 |',
      '| facts | learned/alias | no rise (0.100 → 0.120) |',
      '| emails | rotary/seed1 | 500 (1.05B tokens), 95% 400–625 |',
      '| induction phase change | learned/alias | 1000 (524M tokens), after 500 |',
      '| induction phase change | rotary/seed1 | 256 (537M tokens), after 0 |',
      '',
    ]);
    const svg = readFileSync(join(project, 'snapshots', 'learned_vs_rotary', 'emergence.svg'), 'utf8');
    expect(svg).toContain('learned_vs_rotary: when each behaviour emerges');
    // A phase change from step 0 needs an axis on which 0 has a place.
    expect(svg).toContain('tokens seen (symlog)');
    expect(svg).toContain(PHASE_CHANGE_ROW);
    expect(svg).toContain('rotary/seed1');
  });

  it('a family that does not say its tokens per step is refused; a folder without convergence.json names the command that writes it', async () => {
    const refused = await lmb({ cwd: project }, '--root', project, 'emergence', '--suite', 'learned.ts,untold.ts');
    expect(refused.stderr).toMatch(/^lmb: SUITE_TOKENS_UNKNOWN: suite untold does not say how many tokens a training step is/);
    writeFileSync(join(project, 'bare.ts'), `export default { name: 'bare', runs: [{ name: 'r1', checkpoints: [] }] };\n`);
    const missing = await lmb({ cwd: project }, '--root', project, 'emergence', '--suite', 'bare.ts');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/FILE_MISSING: .*snapshots\/bare\/convergence\.json does not exist\. Run the behaviours over the whole grid first: lmb run --suite bare/);
  });
});
