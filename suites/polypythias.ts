import { polypythiasRuns, pythiaSuite } from '../harness/suite/pythia.js';

export default pythiaSuite({
  name: 'polypythias',
  description: 'PolyPythias (van der Wal et al. 2025): Pythia 14m to 410m re-trained with seeds 1-9, the originals (seed 1234), and 160m data-seed/weight-seed runs: 56 runs, 154 checkpoints each',
  runs: polypythiasRuns(),
});
