import { polypythiasRuns, pythiaSuite } from '../harness/suite/pythia.js';

export default pythiaSuite({
  name: 'polypythias-14m',
  description: 'PolyPythias 14m: seed 1234 (the original Pythia) and seeds 1-9: 10 runs, 154 checkpoints each',
  runs: polypythiasRuns('14m'),
});
