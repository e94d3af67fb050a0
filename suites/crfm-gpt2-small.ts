import { crfmSuite } from '../harness/suite/crfm.js';

export default crfmSuite({
  name: 'crfm-gpt2-small',
  description: 'Stanford CRFM Mistral GPT-2 small (124M): 5 seeds, 609 checkpoints each, steps 0 to 400000',
  runs: [
    { name: 'alias', repo: 'stanford-crfm/alias-gpt2-small-x21', seed: 21 },
    { name: 'battlestar', repo: 'stanford-crfm/battlestar-gpt2-small-x49', seed: 49 },
    { name: 'caprica', repo: 'stanford-crfm/caprica-gpt2-small-x81', seed: 81 },
    { name: 'darkmatter', repo: 'stanford-crfm/darkmatter-gpt2-small-x343', seed: 343 },
    { name: 'expanse', repo: 'stanford-crfm/expanse-gpt2-small-x777', seed: 777 },
  ],
});
