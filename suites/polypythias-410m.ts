import { polypythiasRuns, pythiaSuite } from '../harness/suite/pythia.js';

export default pythiaSuite({
  name: 'polypythias-410m',
  description: 'PolyPythias 410m: seed 1234 (the original Pythia) and seeds 1-9: 10 runs, 154 checkpoints each',
  runs: polypythiasRuns('410m'),
});
