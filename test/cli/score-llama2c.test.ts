import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLlama2cTokenizer } from '../../harness/tokenize/llama2c.js';
import { readLlama2c, referenceLlama } from '../support/reference-llama.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-cli-llama-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'llama2c-stories260K');
const STORIES = join(FIXTURE, 'stories260K.bin');
const TOK512 = join(FIXTURE, 'tok512.bin');
const lmb = (...args: string[]) => spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'lmb.js'), ...args], { encoding: 'utf8' });

const text = 'One day, Tom found a shiny stone by the river. He showed it to his mom.';
const textFile = join(root, 'input.txt');
writeFileSync(textFile, text);

describe('lmb score on a llama2.c export', () => {
  it('scores text with the tok512.bin beside the model, matching the float64 reference', () => {
    const run = lmb('score', '--model', STORIES, '--text', textFile, '--device', 'cpu');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rows = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const ids = loadLlama2cTokenizer(TOK512).encode(text);
    expect(rows.map((r) => r.token_id)).toEqual(ids);
    expect(rows[0]).toEqual({ position: 0, token_id: 1, token: '<s>', logprob: null, top1_id: null });
    expect(rows[1].token).toBe(' One');
    const ref = referenceLlama(readLlama2c(STORIES), ids);
    rows.slice(1).forEach((r, i) => {
      expect(Math.abs(r.logprob - ref.nextLogprobs[i])).toBeLessThanOrEqual(1e-4);
      expect(r.top1_id).toBe(ref.top1[i]);
    });
  });

  it('--tokenizer names a tok*.bin kept elsewhere', () => {
    const dir = join(root, 'alone');
    mkdirSync(dir);
    copyFileSync(STORIES, join(dir, 'model.bin'));
    const without = lmb('score', '--model', join(dir, 'model.bin'), '--text', textFile, '--device', 'cpu');
    expect(without.status).toBe(1);
    expect(without.stderr).toMatch(/^lmb: TOKENIZER_MISSING: .*alone has neither tokenizer\.json, vocab\.json \+ merges\.txt, nor a llama2\.c tok\*\.bin/);
    const run = lmb('score', '--model', join(dir, 'model.bin'), '--tokenizer', TOK512, '--text', textFile, '--format', 'table', '--device', 'cpu');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\d+ tokens scored: mean loss \d+\.\d{4} nats/);
  });

  it('a tokenizer with more tokens than the model is refused in one line', () => {
    const extra = Buffer.alloc(10);
    extra.writeInt32LE(2, 4);
    extra.write('zz', 8, 'latin1');
    const big = join(root, 'tok513.bin');
    writeFileSync(big, Buffer.concat([readFileSync(TOK512), extra]));
    const run = lmb('score', '--model', STORIES, '--tokenizer', big, '--text', textFile, '--device', 'cpu');
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^lmb: TOKENIZER_MISMATCH: .*tok513\.bin: the tokenizer has 513 token ids but the model's vocabulary has only 512/);
  });

  it('a truncated export is refused in one line before any scoring', () => {
    const cut = join(root, 'cut');
    mkdirSync(cut);
    writeFileSync(join(cut, 'stories260K.bin'), readFileSync(STORIES).subarray(0, 500_000));
    copyFileSync(TOK512, join(cut, 'tok512.bin'));
    const run = lmb('score', '--model', join(cut, 'stories260K.bin'), '--ids', '1,403,407', '--device', 'cpu');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^lmb: CHECKPOINT_CORRUPT: .*is 500000 bytes but its header .* needs 1056540: the file is truncated or its header is wrong\. Re-export .*\n$/);
  });
});
