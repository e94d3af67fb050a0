import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextSpec, scratchProject } from '../support/behaviours-project.js';
import { lmb } from '../support/cli.js';
import { LocalHub, type FixtureFile } from '../support/local-hub.js';
import { randomTinyGptNeox, writeTinyGptNeox } from '../support/tiny-gpt-neox.js';

/**
 * `lmb run --suite polypythias-14m` against a local hub that serves one run the way EleutherAI
 * publishes it: `step{N}` branches, fp16 pytorch_model.bin with the old buffers, the GPT-NeoX
 * tokenizer.json; step1 holds step0's weights (as on the real hub) and step2 is missing.
 */
const project = scratchProject('e2e-pythia');
const scratch = mkdtempSync(join(tmpdir(), 'lmb-pythia-'));
const TOKENIZER = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'gpt-neox-tokenizer', 'tokenizer.json'));

function revision(seed: number): FixtureFile[] {
  const dir = writeTinyGptNeox(join(scratch, `seed-${seed}`), randomTinyGptNeox(seed, {
    vocab_size: 50304, hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, num_hidden_layers: 1, max_position_embeddings: 64, rotary_pct: 0.5,
  }), 'torch', 'F16');
  return [
    { path: 'config.json', content: readFileSync(join(dir, 'config.json')) },
    { path: 'pytorch_model.bin', content: readFileSync(join(dir, 'pytorch_model.bin')), lfs: true },
    { path: 'tokenizer.json', content: TOKENIZER },
  ];
}

let hub: LocalHub;
beforeAll(async () => {
  const step0 = revision(1);
  hub = await LocalHub.start({ 'EleutherAI/pythia-14m-seed3': { step0, step1: step0, step4: revision(2), step8: revision(3) } });
  mkdirSync(join(project, 'behaviours'));
  writeFileSync(join(project, 'behaviours', 'colours.behaviour.ts'), nextSpec('colours', 'The sky is ${w}, the grass is', ['green', 'blue', 'red']));
});
afterAll(async () => {
  await hub.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a PolyPythias run on the hub', () => {
  it('is evaluated step by step; the missing revision is skipped with a notice, the duplicate is named, the matrix has the rest', async () => {
    const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(project, 'hub-cache'), LMB_CACHE: join(project, '.lmb'), NO_COLOR: '1' };
    const out = await lmb({ cwd: project, env }, 'run', '--suite', 'polypythias-14m', '--runs', 'seed-3', '--checkpoints', '0-8', '--device', 'cpu');
    expect(out.stderr).toContain('14m-seed3: skipped step2: hub repo EleutherAI/pythia-14m-seed3 has no revision "step2"');
    expect(out.stderr).toContain('14m-seed3: step 1 holds the same weights as step 0');
    expect(out.status).toBe(0);
    const matrix = JSON.parse(readFileSync(join(project, 'snapshots', 'polypythias-14m', 'matrix.json'), 'utf8'));
    expect(matrix.runs).toEqual([{ name: '14m-seed3', steps: [0, 1, 4, 8] }]);
    // Only step revisions were asked for, never main.
    expect(hub.requests.some((r) => r.path.includes('/main'))).toBe(false);
    expect(readdirSync(join(project, 'hub-cache', 'models--EleutherAI--pythia-14m-seed3', 'refs')).sort()).toEqual(['step0', 'step1', 'step4', 'step8']);
  }, 120_000);
});
