import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Suite } from '../../harness/suite/suite.js';
import { randomTinyGpt2, writeTinyGpt2 } from './tiny-gpt2.js';

const TOKENIZER = join(import.meta.dirname, '..', 'fixtures', 'gpt2-tokenizer');

/** Writes a tiny GPT-2 with GPT-2's real vocabulary and tokenizer files, so text probes work. */
export function writeTinyGpt2WithTokenizer(dir: string, seed: number): string {
  writeTinyGpt2(dir, randomTinyGpt2(seed, { vocab_size: 50257, n_embd: 8, n_head: 2, n_layer: 2, n_positions: 64, n_ctx: 64 } as never), 'torch', 'F16');
  for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(TOKENIZER, f), join(dir, f));
  return dir;
}

/** A suite of `runs` runs with checkpoints at `steps`, each checkpoint a different random model. */
export function tinySuite(root: string, name: string, runs: string[], steps: number[], fetched?: string[]): Suite {
  return {
    name,
    runs: runs.map((run, r) => ({
      name: run,
      seed: r,
      checkpoints: steps.map((step, s) => {
        const dir = writeTinyGpt2WithTokenizer(join(root, name, run, `checkpoint-${step}`), 1000 * r + s + 1);
        return {
          step,
          name: `checkpoint-${step}`,
          fetch: async () => {
            fetched?.push(`${run}@${step}`);
            return dir;
          },
        };
      }),
    })),
  };
}
