import { fileURLToPath } from 'node:url';
import type { Suite } from '../harness/suite/suite.js';

// The one real trained model in the repo (a llama2.c export, with its own 512-token tokenizer
// beside it), kept with the test fixtures; its note says it trained for 100000 iterations.
const file = fileURLToPath(new URL('../test/fixtures/llama2c-stories260K/stories260K.bin', import.meta.url));

export default {
  name: 'stories260k',
  description: "Karpathy's stories260K (llama2.c, TinyStories): one run, its final checkpoint",
  runs: [{ name: 'stories260K', checkpoints: [{ step: 100000, name: 'stories260K.bin', fetch: async () => file }] }],
} satisfies Suite;
