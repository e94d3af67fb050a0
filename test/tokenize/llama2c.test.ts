import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { loadLlama2cTokenizer } from '../../harness/tokenize/llama2c.js';
import { openTokenizer } from '../../harness/tokenize/open.js';
import { checkTokenizerFits } from '../../harness/tokenize/tokenizer.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'llama2c-stories260K');
const TOK512 = join(FIXTURE, 'tok512.bin');
const tok = loadLlama2cTokenizer(TOK512);

const root = mkdtempSync(join(tmpdir(), 'lmb-tok-llama-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function thrown(f: () => unknown): LmbError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LmbError);
    return e as LmbError;
  }
  throw new Error('expected an LmbError');
}

/** The file's vocabulary, parsed here independently: pieces (as latin1 strings) and scores. */
function readVocab(bytes: Buffer): { pieces: string[]; scores: number[] } {
  const pieces: string[] = [];
  const scores: number[] = [];
  for (let at = 4; at < bytes.length; ) {
    const n = bytes.readInt32LE(at + 4);
    scores.push(bytes.readFloatLE(at));
    pieces.push(bytes.toString('latin1', at + 8, at + 8 + n));
    at += 8 + n;
  }
  return { pieces, scores };
}
const vocab = readVocab(readFileSync(TOK512));

const firstId = new Map<string, number>();
vocab.pieces.forEach((p, id) => firstId.has(p) || firstId.set(p, id));

/** llama2.c's encode as written there: after each merge, rescan every pair; the first best wins. */
function naiveEncode(text: string): number[] {
  const lookup = (s: string) => firstId.get(s) ?? -1;
  const tokens = [1];
  for (const char of text === '' ? '' : ` ${text}`) {
    const bytes = Buffer.from(char, 'utf8');
    const id = lookup(bytes.toString('latin1'));
    if (id >= 0) tokens.push(id);
    else for (const b of bytes) tokens.push(b + 3);
  }
  for (;;) {
    let [best, bestScore, bestId] = [-1, -1e10, -1];
    for (let i = 1; i + 1 < tokens.length; i++) {
      const id = lookup(vocab.pieces[tokens[i]] + vocab.pieces[tokens[i + 1]]);
      if (id >= 0 && vocab.scores[id] > bestScore) [best, bestScore, bestId] = [i, vocab.scores[id], id];
    }
    if (best < 0) return tokens;
    tokens.splice(best, 2, bestId);
  }
}

describe('llama2.c tok512.bin', () => {
  it('has 512 tokens, BOS 1, EOS 2, and the 256 byte tokens at ids 3..258', () => {
    expect(tok.vocabSize).toBe(512);
    expect(tok.bosId).toBe(1);
    expect(tok.eosId).toBe(2);
    for (let b = 0; b < 256; b++) expect(vocab.pieces[b + 3]).toBe(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    expect(tok.decode([3 + 0x41, 3 + 0x0a])).toBe('A\n');
  });

  // Ids checked against a separate Python implementation of llama2.c's encode.
  it.each([
    ['Once upon a time', [1, 403, 407, 261, 378]],
    ['Lily', [1, 317]],
    ['hello world', [1, 281, 306, 414, 263, 304, 341]],
    ['', [1]],
    [' ', [1, 410, 410]],
    ['é', [1, 410, 485]],
    ['日本', [1, 410, 233, 154, 168, 233, 159, 175]],
    ['  two spaces', [1, 410, 410, 259, 424, 414, 262, 427, 412, 331, 419]],
    // "ll" and "oo" can merge at two places: the leftmost goes first.
    ['balll', [1, 268, 388, 421]],
    ['oooo', [1, 334, 347, 414]],
  ])('encodes %j as llama2.c does', (text, ids) => {
    expect(tok.encode(text)).toEqual(ids);
    expect(naiveEncode(text)).toEqual(ids);
    expect(tok.decode(ids)).toBe(text);
  });

  it('falls back to UTF-8 byte tokens for characters not in the vocabulary', () => {
    // 日 is E6 97 A5; 🙂 is F0 9F 99 82: none of them is a piece of tok512.
    expect(tok.encode('日🙂').slice(2)).toEqual([0xe6, 0x97, 0xa5, 0xf0, 0x9f, 0x99, 0x82].map((b) => b + 3));
    expect(tok.decode(tok.encode('a 🙂 b'))).toBe('a 🙂 b');
  });

  it('encodes any text as the rescanning loop of llama2.c does, and decodes it back', () => {
    const words = fc.constantFrom('Once', ' upon', ' a', ' time', '.', ',', ' ', '  ', '\n', '"', "'s", 'Lily', 'lll', 'oooo', 'é', '日本', '🙂', '<0x41>', '<s>');
    const text = fc.array(fc.oneof(words, fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(fc.property(text, (s) => {
      const ids = tok.encode(s);
      expect(ids).toEqual(naiveEncode(s));
      expect(tok.decode(ids)).toBe(s);
    }), { numRuns: 300 });
  });

  it('encodes long text quickly (no rescan per merge)', () => {
    const story = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. '.repeat(400);
    const start = performance.now();
    const ids = tok.encode(story);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(tok.decode(ids)).toBe(story);
  });

  it('decodes as llama2.c prints: the dummy space goes only right after BOS, BOS and EOS print nothing', () => {
    expect(tok.decode([403, 407])).toBe(' Once upon');
    expect(tok.decode([1, 403, 407])).toBe('Once upon');
    expect(tok.decode([1, 403, 2, 1, 407])).toBe('Onceupon');
  });

  it('shows single tokens for tables', () => {
    expect(tok.tokenText(1)).toBe('<s>');
    expect(tok.tokenText(2)).toBe('</s>');
    expect(tok.tokenText(403)).toBe(' Once');
    expect(tok.tokenText(3 + 0x41)).toBe('A');
    expect(tok.tokenText(3 + 0xe6)).toBe('<0xE6>');
    expect(tok.tokenText(485)).toBe('é');
  });

  it('rejects ids outside the vocabulary', () => {
    for (const id of [512, -1, 2.5]) {
      expect(thrown(() => tok.decode([403, id])).code).toBe('TOKEN_ID_INVALID');
      expect(thrown(() => tok.tokenText(id)).code).toBe('TOKEN_ID_INVALID');
    }
  });
});

describe('finding a llama2.c tokenizer', () => {
  it('beside the model, or named directly; Hugging Face directories still load as before', () => {
    expect(openTokenizer(FIXTURE).encode('Lily')).toEqual([1, 317]);
    expect(openTokenizer(TOK512).vocabSize).toBe(512);
    expect(openTokenizer(join(import.meta.dirname, '..', 'fixtures', 'gpt2-tokenizer')).vocabSize).toBe(50257);
  });

  it('says which to pass when a directory has several, and what was looked for when it has none', () => {
    const dir = mkdtempSync(join(root, 'two-'));
    copyFileSync(TOK512, join(dir, 'tok512.bin'));
    copyFileSync(TOK512, join(dir, 'tokenizer.bin'));
    const several = thrown(() => openTokenizer(dir));
    expect(several.code).toBe('TOKENIZER_AMBIGUOUS');
    expect(several.oneLine()).toMatch(/several llama2\.c tokenizers \(tok512\.bin, tokenizer\.bin\)\. Name the one to use/);
    const none = thrown(() => openTokenizer(mkdtempSync(join(root, 'none-'))));
    expect(none.code).toBe('TOKENIZER_MISSING');
    expect(none.message).toMatch(/has neither tokenizer\.json, vocab\.json \+ merges\.txt, nor a llama2\.c tok\*\.bin$/);
    expect(thrown(() => openTokenizer(join(root, 'nope.bin'))).message).toMatch(/nope\.bin does not exist$/);
  });
});

describe('errors', () => {
  const bytes = readFileSync(TOK512);
  const write = (name: string, data: Uint8Array) => {
    const path = join(root, name);
    writeFileSync(path, data);
    return path;
  };

  it('TOKENIZER_CORRUPT for a truncated or damaged file, naming the token', () => {
    const cut = thrown(() => loadLlama2cTokenizer(write('cut.bin', bytes.subarray(0, 1000))));
    expect(cut.code).toBe('TOKENIZER_CORRUPT');
    expect(cut.message).toMatch(/cut\.bin is not a llama2\.c tokenizer: token \d+ is cut off/);
    const damaged = Buffer.from(bytes);
    damaged.writeInt32LE(1 << 20, 4 + 4); // token 0's length
    expect(thrown(() => loadLlama2cTokenizer(write('long.bin', damaged))).message).toMatch(/token 0 claims 1048576 bytes, outside 0\.\.7/);
    expect(thrown(() => loadLlama2cTokenizer(write('tiny.bin', bytes.subarray(0, 2)))).code).toBe('TOKENIZER_CORRUPT');
  });

  it('TOKENIZER_MISMATCH when the tokenizer has more tokens than the model', () => {
    const extra = Buffer.alloc(10);
    extra.writeFloatLE(-1000, 0);
    extra.writeInt32LE(2, 4);
    extra.write('zz', 8, 'latin1');
    const bigger = loadLlama2cTokenizer(write('tok513.bin', Buffer.concat([bytes, extra])));
    expect(bigger.vocabSize).toBe(513);
    const e = thrown(() => checkTokenizerFits(bigger, 512, 'stories260K.bin'));
    expect(e.code).toBe('TOKENIZER_MISMATCH');
    expect(e.message).toBe("stories260K.bin: the tokenizer has 513 token ids but the model's vocabulary has only 512");
    expect(() => checkTokenizerFits(tok, 512, 'stories260K.bin')).not.toThrow();
  });
});
