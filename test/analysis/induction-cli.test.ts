import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchProject } from '../support/behaviours-project.js';

const LMB = join(import.meta.dirname, '..', '..', 'bin', 'lmb.js');
const lmb = (...args: string[]) => spawnSync(process.execPath, [LMB, ...args], { encoding: 'utf8' });
// Inside the repo, so a suite file there is an ES module that resolves the repo's imports.
const crossFamily = scratchProject('induction-families');
const FILES = ['induction.json', 'induction.md', 'induction.svg', 'induction.png'];

describe('lmb induction', () => {
  it('prints every run\'s ICL score and 2 x 4 prefix-matching scores per step of the demo family; --out also writes them', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lmb-induction-')), 'out');
    const run = lmb('induction', '--suite', 'demo', '--checkpoints', '0,4000', '--format', 'json', '--device', 'cpu', '--out', dir);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(JSON.parse(readFileSync(join(dir, 'induction.json'), 'utf8'))).toEqual(out);
    expect(readFileSync(join(dir, 'induction.md'), 'utf8')).toMatch(/^\| 4000 \| [+-]\d\.\d{3} ± \d\.\d{3} \| \S+ L\d\.H\d \|/m);
    expect(readFileSync(join(dir, 'induction.svg'), 'utf8')).toContain('demo: induction heads over training');
    expect(readFileSync(join(dir, 'induction.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(run.stderr).toContain(`wrote ${join(dir, `{${FILES.join(',')}}`)}`);
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

  it('the table names each run and says where, or that no, phase change happened; --out alone writes to snapshots/<suite>/induction/', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lmb-induction-'));
    const run = spawnSync(process.execPath, [LMB, 'induction', '--suite', 'demo', '--checkpoints', 'final', '--device', 'cpu', '--out'], { encoding: 'utf8', cwd });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/seed-1.*seed-2.*seed-3/);
    expect(run.stdout).toMatch(/seed-1: (no phase change|phase change at step \d+)/);
    for (const f of FILES) expect(existsSync(join(cwd, 'snapshots', 'demo', 'induction', f)), f).toBe(true);
  });

  it('--suite a,b compares families on tokens seen, each measured with its own tokenizer; a suite without tokensPerStep is refused', () => {
    const dir = crossFamily;
    // stories260k (llama2.c, its own 512-token tokenizer) says no tokens per step; this copy does.
    writeFileSync(join(dir, 'stories.ts'), `import stories from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'suites', 'stories260k.ts'))};\nexport default { ...stories, tokensPerStep: 65536 };\n`);
    const run = lmb('induction', '--suite', `demo,${join(dir, 'stories.ts')}`, '--runs', 'seed-1,stories260K', '--checkpoints', 'log:3', '--format', 'json', '--device', 'cpu', '--out', join(dir, 'out'));
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out.runs)).toEqual(['demo/seed-1', 'stories260k/stories260K']);
    expect(out.runs['demo/seed-1']).toMatchObject({ tokens_per_step: 2048 });
    expect(Object.keys(out.runs['demo/seed-1'].steps)).toEqual(['0', '20', '4000']);
    expect(out.runs['stories260k/stories260K']).toMatchObject({ tokens_per_step: 65536, phase_change_tokens: null });
    // Each family's sample is tokenized by its own tokenizer: stories260K's 4 x 8 heads score on its 512 ids.
    expect(out.runs['stories260k/stories260K'].steps['100000'].prefix_matching).toHaveLength(5);
    const svg = readFileSync(join(dir, 'out', 'induction.svg'), 'utf8');
    expect(svg).toContain('demo_vs_stories260k: induction heads over training');
    expect(svg).toContain('tokens seen (symlog)');
    for (const tick of ['41k', '8.19M', '6.55B']) expect(svg).toContain(`>${tick}<`);

    const oneSided = lmb('induction', '--suite', `demo,${join(dir, 'stories.ts')}`, '--runs', 'seed-1', '--checkpoints', 'final', '--device', 'cpu');
    expect(oneSided.status).not.toBe(0);
    expect(oneSided.stderr.trim()).toBe('lmb: SELECTION_EMPTY: --runs selects no run of suite stories260k. Name runs of every suite in --suite, as <suite>/<run>, or leave stories260k out');
    const refused = lmb('induction', '--suite', 'demo,stories260k', '--checkpoints', 'final', '--device', 'cpu');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.trim()).toBe('lmb: SUITE_TOKENS_UNKNOWN: suite stories260k does not say how many tokens a training step is, so its runs cannot share a tokens-seen axis with demo. ' +
      "Compare suites that set tokensPerStep (crfm-*, pythia, polypythias*), or add tokensPerStep to the suite's .ts file");
  });
});
