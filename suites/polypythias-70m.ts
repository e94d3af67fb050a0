import { polypythiasRuns, pythiaSuite } from '../harness/suite/pythia.js';

export default pythiaSuite({
  name: 'polypythias-70m',
  description: 'PolyPythias 70m: seed 1234 (the original Pythia) and seeds 1-9: 10 runs, 154 checkpoints each',
  runs: polypythiasRuns('70m'),
});
