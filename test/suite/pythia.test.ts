import { describe, expect, it } from 'vitest';
import { findRun } from '../../harness/suite/find-run.js';
import { PYTHIA_STEPS } from '../../harness/suite/pythia.js';
import { selectSteps } from '../../harness/suite/select.js';
import { tableSuite } from '../../harness/suite/table-suite.js';
import polypythias160m from '../../suites/polypythias-160m.js';
import polypythias14m from '../../suites/polypythias-14m.js';
import polypythias from '../../suites/polypythias.js';
import pythia from '../../suites/pythia.js';
import { caught } from '../support/errors.js';

describe('the Pythia schedule', () => {
  it('has 154 steps: 0, the powers of two to 512, then every 1000 to 143000', () => {
    expect(PYTHIA_STEPS).toHaveLength(154);
    expect(PYTHIA_STEPS.slice(0, 13)).toEqual([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 2000]);
    expect(PYTHIA_STEPS.slice(-2)).toEqual([142000, 143000]);
    expect(PYTHIA_STEPS.filter((s) => s >= 1000)).toHaveLength(143);
    // --checkpoints log:K keeps step 0 and the final step, as for CRFM.
    expect(selectSteps(PYTHIA_STEPS, 'log:8')).toEqual([0, 1, 8, 64, 512, 3000, 20000, 143000]);
  });
});

describe('Pythia suites', () => {
  it('pythia: 18 runs (10 sizes, 8 with a deduped twin), each 154 step{N} revisions of its EleutherAI repo', () => {
    expect(pythia.runs.map((r) => r.name)).toEqual(['14m', '31m', '70m', '70m-deduped', '160m', '160m-deduped', '410m', '410m-deduped',
      '1b', '1b-deduped', '1.4b', '1.4b-deduped', '2.8b', '2.8b-deduped', '6.9b', '6.9b-deduped', '12b', '12b-deduped']);
    const run = findRun(pythia, 'EleutherAI/pythia-160m-deduped');
    expect(run.name).toBe('160m-deduped');
    expect(run.aliases).toEqual(['EleutherAI/pythia-160m-deduped', 'pythia-160m-deduped']); // every run is seed 1234: no seed alias
    expect(run.checkpoints.map((c) => c.step)).toEqual(PYTHIA_STEPS);
    expect([run.checkpoints[0].name, run.checkpoints[1].name, run.checkpoints.at(-1)!.name]).toEqual(['step0', 'step1', 'step143000']);
    expect(pythia.tokensPerStep).toBe(2_097_152);
  });

  it('polypythias: 45 seeded runs (5 sizes x seeds 1-9), the 5 originals (seed 1234) and 6 data-seed/weight-seed runs of 160m', () => {
    expect(polypythias.runs).toHaveLength(56);
    const seeded = polypythias.runs.filter((r) => r.seed !== undefined && r.seed < 10);
    expect(seeded).toHaveLength(45);
    expect(polypythias.runs.filter((r) => r.seed === 1234).map((r) => r.name)).toEqual(['14m-seed1234', '31m-seed1234', '70m-seed1234', '160m-seed1234', '410m-seed1234']);
    expect(polypythias.runs.filter((r) => r.seed === undefined).map((r) => r.aliases![0])).toEqual([
      'EleutherAI/pythia-160m-data-seed1', 'EleutherAI/pythia-160m-data-seed2', 'EleutherAI/pythia-160m-data-seed3',
      'EleutherAI/pythia-160m-weight-seed1', 'EleutherAI/pythia-160m-weight-seed2', 'EleutherAI/pythia-160m-weight-seed3']);
    expect(findRun(polypythias, 'pythia-410m-seed7').aliases).toEqual(['EleutherAI/pythia-410m-seed7', 'pythia-410m-seed7']);
    expect(findRun(polypythias, 'pythia-70m').name).toBe('70m-seed1234');
    expect(new Set(polypythias.runs.map((r) => r.checkpoints.length))).toEqual(new Set([154]));
  });

  it('polypythias-{size}: one size, where seed-N names a run; in the all-sizes suite seed-3 is ambiguous and says so', () => {
    expect(polypythias14m.runs.map((r) => r.name)).toEqual(['14m-seed1234', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => `14m-seed${s}`)]);
    expect(findRun(polypythias14m, 'seed-3').aliases).toEqual(['EleutherAI/pythia-14m-seed3', 'pythia-14m-seed3', 'seed-3']);
    expect(findRun(polypythias14m, 'seed-1234').name).toBe('14m-seed1234');
    expect(polypythias160m.runs).toHaveLength(16);
    const e = caught(() => findRun(polypythias, 'seed-3'));
    expect(e.code).toBe('RUN_UNKNOWN'); // not an alias there at all: five runs have seed 3
    const twice = tableSuite({ name: 't', steps: [0], revision: String, runs: [{ name: 'a', repo: 'o/a', aliases: ['x'] }, { name: 'b', repo: 'o/b', aliases: ['x'] }] });
    expect(caught(() => findRun(twice, 'x')).message).toBe('"x" is an alias of 2 runs of suite t (a, b)');
    expect(findRun(twice, 'b').name).toBe('b');
  });
});
