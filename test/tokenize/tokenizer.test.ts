import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { gpt2TokenizerJson, parseMerges } from '../../harness/tokenize/gpt2-bpe.js';
import { checkTokenizerFits, loadTokenizer, type TextTokenizer } from '../../harness/tokenize/tokenizer.js';

const GPT2 = fileURLToPath(new URL('../fixtures/gpt2-tokenizer/', import.meta.url));

interface Vector {
  text: string;
  ids: number[];
  note?: string;
}
const vectorFiles = ['tiktoken_gpt2_test_vectors.json', 'gpt3encoder_test_vectors.json'];
const vectors: [string, string, Vector][] = vectorFiles.flatMap((file) =>
  (JSON.parse(readFileSync(join(GPT2, file), 'utf8')).cases as Vector[]).map(
    (v) => [file, JSON.stringify(v.text).slice(0, 50), v] as [string, string, Vector],
  ),
);

/** Ids GPT-2's reference split gives (Unicode White_Space for `\s`, as Python's `regex` and Oniguruma). */
const whitespaceCases: [string, string, number[]][] = [
  ['U+0085 is whitespace: " " and NEL are separate pieces', 'a \u0085b', [64, 220, 126, 227, 65]],
  ['U+FEFF is not whitespace: " " and BOM are one piece', 'a \ufeffb', [64, 27332, 119, 123, 65]],
];

const tmpDirs: string[] = [];
function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'lmb-tok-'));
  tmpDirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function thrown(f: () => unknown): LmbError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LmbError);
    return e as LmbError;
  }
  throw new Error('expected an LmbError');
}

function gpt2Json(): Record<string, unknown> {
  const vocab = JSON.parse(readFileSync(join(GPT2, 'vocab.json'), 'utf8'));
  const merges = parseMerges(readFileSync(join(GPT2, 'merges.txt'), 'utf8'), 'merges.txt');
  return gpt2TokenizerJson(vocab, merges, [{ id: 50256, content: '<|endoftext|>', special: true }]);
}

describe('GPT-2 from vocab.json + merges.txt', () => {
  let tok: TextTokenizer;
  beforeAll(() => {
    tok = loadTokenizer(GPT2);
  });

  it('has the GPT-2 vocabulary and <|endoftext|> as eos and bos', () => {
    expect(tok.vocabSize).toBe(50257);
    expect(tok.eosId).toBe(50256);
    expect(tok.bosId).toBe(50256);
  });

  it.each(vectors)('%s: %s', (_file, _label, v) => {
    expect(tok.encode(v.text)).toEqual(v.ids);
    expect(tok.decode(v.ids)).toBe(v.text);
  });

  it.each(whitespaceCases)('splits on Unicode White_Space as GPT-2 does: %s', (_label, text, ids) => {
    expect(tok.encode(text)).toEqual(ids);
    expect(tok.decode(ids)).toBe(text);
  });

  it('decodes without tidying spaces', () => {
    const text = "Hello , world . It 's  here !";
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('shows single tokens as text, stray bytes as <0xXX>', () => {
    expect(tok.tokenText(220)).toBe(' ');
    expect(tok.tokenText(50256)).toBe('<|endoftext|>');
    expect(tok.tokenText(31373)).toBe('hello');
    expect(tok.tokenText(995)).toBe(' world');
    expect(tok.tokenText(197)).toBe('\t');
    // "hello 👋": 👋 is F0 9F 91 8B, split over two tokens
    expect(tok.tokenText(50169)).toBe(' <0xF0><0x9F><0x91>');
    expect(tok.tokenText(233)).toBe('<0x8B>');
  });

  it('rejects ids outside the vocabulary', () => {
    for (const id of [50257, -1, 1.5]) {
      expect(thrown(() => tok.decode([31373, id])).code).toBe('TOKEN_ID_INVALID');
      expect(thrown(() => tok.tokenText(id)).code).toBe('TOKEN_ID_INVALID');
    }
  });
});

describe('vocab.json + merges.txt with a tokenizer_config.json', () => {
  it('takes special tokens from the config', () => {
    const dir = tempDir({ 'tokenizer_config.json': JSON.stringify({ eos_token: '!', additional_special_tokens: ['hello'] }) });
    for (const f of ['vocab.json', 'merges.txt']) copyFileSync(join(GPT2, f), join(dir, f));
    const tok = loadTokenizer(dir);
    expect(tok.eosId).toBe(0);
    expect(tok.bosId).toBe(50256);
    expect(loadTokenizer(GPT2).encode('say hello')).toEqual([16706, 23748]);
    expect(tok.encode('say hello')).toEqual([16706, 220, 31373]); // 'hello' is now split out as a special token
    expect(tok.tokenText(31373)).toBe('hello');
  });
});

describe('tokenizer.json', () => {
  it('gives the same ids as vocab.json + merges.txt on every vector', () => {
    const dir = tempDir({ 'tokenizer.json': JSON.stringify(gpt2Json()) });
    const fromJson = loadTokenizer(dir);
    const fromBpe = loadTokenizer(GPT2);
    expect(fromJson.vocabSize).toBe(50257);
    expect(fromJson.eosId).toBe(50256);
    for (const [, , v] of vectors) {
      expect(fromJson.encode(v.text), v.text).toEqual(fromBpe.encode(v.text));
      expect(fromJson.decode(v.ids), v.text).toBe(v.text);
    }
    expect(fromJson.tokenText(233)).toBe('<0x8B>');
  });

  it('splits exactly with a Hugging Face style ByteLevel pre-tokenizer', () => {
    // As GPT-2's tokenizer.json on the Hub has it: ByteLevel doing the regex split itself.
    const json = { ...gpt2Json(), pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true } };
    const tok = loadTokenizer(tempDir({ 'tokenizer.json': JSON.stringify(json) }));
    for (const [, , v] of vectors) expect(tok.encode(v.text), v.text).toEqual(v.ids);
    for (const [, text, ids] of whitespaceCases) expect(tok.encode(text), JSON.stringify(text)).toEqual(ids);
  });

  it('reads eos and bos from tokenizer_config.json and special_tokens_map.json', () => {
    const dir = tempDir({
      'tokenizer.json': JSON.stringify(gpt2Json()),
      'special_tokens_map.json': JSON.stringify({ bos_token: { content: '!' }, eos_token: '!' }),
      'tokenizer_config.json': JSON.stringify({ eos_token: '<|endoftext|>' }),
    });
    const tok = loadTokenizer(dir);
    expect(tok.eosId).toBe(50256);
    expect(tok.bosId).toBe(0);
  });
});

describe('errors', () => {
  it('a merges.txt that makes pieces vocab.json lacks is refused instead of silently dropping text', () => {
    const merges = readFileSync(join(GPT2, 'merges.txt'), 'utf8').split('\n');
    const dir = tempDir({ 'vocab.json': readFileSync(join(GPT2, 'vocab.json'), 'utf8'), 'merges.txt': [merges[0], 'Q Z', ...merges.slice(1)].join('\n') });
    const tok = loadTokenizer(dir);
    expect(tok.encode(' the cat')).toEqual(loadTokenizer(GPT2).encode(' the cat'));
    let error: unknown;
    try {
      tok.encode('QZ xQZ');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'TOKENIZER_CANNOT_ENCODE', message: expect.stringContaining('the tokenizer drops text: "QZ xQZ" comes back as " x" (character 0)') });
  });

  it('TOKENIZER_MISSING when there are no tokenizer files', () => {
    for (const dir of [tempDir(), tempDir({ 'vocab.json': '{}' }), join(tmpdir(), 'lmb-no-such-dir')]) {
      const e = thrown(() => loadTokenizer(dir));
      expect(e.code).toBe('TOKENIZER_MISSING');
      expect(e.message).toBe(`${dir} has neither tokenizer.json nor vocab.json + merges.txt`);
      expect(e.fix).toBe('Pass --ids instead of --text, or copy the tokenizer files next to the model');
    }
  });

  it('TOKENIZER_CORRUPT naming the file', () => {
    const cases: [Record<string, string>, string][] = [
      [{ 'tokenizer.json': '{"model": {"type": "BPE", ' }, 'tokenizer.json'],
      [{ 'tokenizer.json': '[1, 2]' }, 'tokenizer.json'],
      [{ 'tokenizer.json': '{"model": {"type": "NoSuchModel"}}' }, 'tokenizer.json'],
      [{ 'vocab.json': '{"a": 0,', 'merges.txt': '#version: 0.2\n' }, 'vocab.json'],
      [{ 'vocab.json': '{"a": "zero"}', 'merges.txt': '#version: 0.2\n' }, 'vocab.json'],
      [{ 'vocab.json': '{"a": 0, "b": 1, "ab": 2}', 'merges.txt': '#version: 0.2\na b\nab\n' }, 'merges.txt'],
      [{ 'tokenizer.json': JSON.stringify(gpt2Json()), 'tokenizer_config.json': '{oops' }, 'tokenizer_config.json'],
    ];
    for (const [files, bad] of cases) {
      const dir = tempDir(files);
      const e = thrown(() => loadTokenizer(dir));
      expect(e.code, JSON.stringify(files).slice(0, 80)).toBe('TOKENIZER_CORRUPT');
      expect(e.message).toContain(join(dir, bad));
      expect(e.fix).toBeTruthy();
    }
  });

  it('TOKENIZER_MISMATCH when the model vocabulary is smaller than the tokenizer', () => {
    const tok = loadTokenizer(GPT2);
    const e = thrown(() => checkTokenizerFits(tok, 1000, 'models/tiny'));
    expect(e.code).toBe('TOKENIZER_MISMATCH');
    expect(e.message).toContain('models/tiny');
    expect(e.message).toContain('50257');
    expect(e.message).toContain('1000');
    expect(e.fix).toContain('--ids');
    expect(() => checkTokenizerFits(tok, 50257, 'gpt2')).not.toThrow();
    expect(() => checkTokenizerFits(tok, 50304, 'gpt2 padded')).not.toThrow();
  });
});
