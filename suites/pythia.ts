import { pythiaRuns, pythiaSuite } from '../harness/suite/pythia.js';

export default pythiaSuite({
  name: 'pythia',
  description: 'EleutherAI Pythia, 14m to 12b, standard and deduped: 18 runs (seed 1234), 154 checkpoints each, steps 0 to 143000',
  runs: pythiaRuns(),
});
