import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../harness/tokenize/tokenizer.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const NEOX = join(FIXTURES, 'gpt-neox-tokenizer');
const VECTORS: { name: string; text: string; ids: number[]; decoded: string }[] = JSON.parse(readFileSync(join(NEOX, 'llamacpp_test_vectors.json'), 'utf8')).published;
const LMB = join(import.meta.dirname, '..', '..', 'bin', 'lmb.js');
const lmb = (input: string, ...args: string[]) => spawnSync(process.execPath, [LMB, 'tokenize', ...args], { input, encoding: 'utf8' });

describe('the GPT-NeoX-20B tokenizer (Pythia, PolyPythias) from its tokenizer.json', () => {
  const tok = loadTokenizer(NEOX);

  it.each(VECTORS.map((v) => [v.name, v] as const))('%s: the ids Hugging Face\'s Python tokenizer gives, and back', (_, v) => {
    expect(tok.encode(v.text)).toEqual(v.ids);
    expect(tok.decode(v.ids)).toBe(v.decoded);
  });

  it('covers its 50,277 ids (the models pad their vocabulary to 50,304)', () => {
    expect(tok.vocabSize).toBe(50277);
  });
});

describe('lmb tokenize', () => {
  it('prints the ids and tokens lmb score would feed the model, as JSON, with no BOS from a Hugging Face tokenizer', () => {
    const v = VECTORS.find((x) => x.text.includes(' ') && x.ids.length > 3)!;
    const run = lmb(v.text, '--tokenizer', NEOX, '--text', '-');
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.ids).toEqual(v.ids);
    expect(out.tokens.join('')).toBe(v.decoded);
  });

  it('a llama2.c tokenizer starts with BOS, as its scoring does; the table shows one token a line', () => {
    const run = lmb('Once upon a time', '--tokenizer', join(FIXTURES, 'llama2c-stories260K', 'tok512.bin'), '--text', '-', '--format', 'table');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('0       1  "<s>"');
    expect(run.stdout.trim().split('\n')).toHaveLength(5);
  });

  it('--model finds the tokenizer beside a checkpoint; without --model or --tokenizer, a one-line error', () => {
    const beside = lmb('Hello', '--model', join(FIXTURES, 'llama2c-stories260K', 'stories260K.bin'), '--text', '-');
    expect(JSON.parse(beside.stdout).ids[0]).toBe(1);
    const none = lmb('Hello', '--text', '-');
    expect(none.status).toBe(1);
    expect(none.stderr).toBe('lmb: OPTION_INVALID: lmb tokenize needs --model PATH or --tokenizer PATH. e.g. lmb tokenize --tokenizer checkpoint/ --text input.txt\n');
  });
});
