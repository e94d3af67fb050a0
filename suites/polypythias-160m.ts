import { polypythiasRuns, pythiaSuite } from '../harness/suite/pythia.js';

export default pythiaSuite({
  name: 'polypythias-160m',
  description: 'PolyPythias 160m: seed 1234 (the original Pythia) and seeds 1-9, plus 3 data-seed and 3 weight-seed runs: 16 runs, 154 checkpoints each',
  runs: polypythiasRuns('160m'),
});
