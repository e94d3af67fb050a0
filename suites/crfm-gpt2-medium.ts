import { crfmSuite } from '../harness/suite/crfm.js';

export default crfmSuite({
  name: 'crfm-gpt2-medium',
  description: 'Stanford CRFM Mistral GPT-2 medium (355M): 5 seeds, 609 checkpoints each, steps 0 to 400000',
  runs: [
    { name: 'arwen', repo: 'stanford-crfm/arwen-gpt2-medium-x21', seed: 21 },
    { name: 'beren', repo: 'stanford-crfm/beren-gpt2-medium-x49', seed: 49 },
    { name: 'celebrimbor', repo: 'stanford-crfm/celebrimbor-gpt2-medium-x81', seed: 81 },
    { name: 'durin', repo: 'stanford-crfm/durin-gpt2-medium-x343', seed: 343 },
    { name: 'eowyn', repo: 'stanford-crfm/eowyn-gpt2-medium-x777', seed: 777 },
  ],
});
