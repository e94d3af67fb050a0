import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readCorpus } from '../../harness/analysis/tokens/corpus.js';
import { caught } from '../support/errors.js';
import { tinySuite, writeTinyGpt2WithTokenizer } from '../support/tiny-suite.js';
import { lmb } from '../support/cli.js';

/**
 * Text inputs that are not clean UTF-8, or hold nothing. The choices, per input:
 * - invalid UTF-8 (latin1, UTF-16, overlong or truncated sequences, encoded surrogates) is refused,
 *   naming the file and the byte where it goes wrong: replacing it with U+FFFD would score text
 *   nobody wrote;
 * - a leading byte-order mark is dropped; NUL and every other valid character is kept as text;
 * - a JSONL "text" holding an unpaired surrogate ("\ud800") is refused, naming the line;
 * - empty documents are skipped, and a corpus or --text file with nothing to score is refused.
 */
const root = mkdtempSync(join(tmpdir(), 'lmb-hostile-text-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RUNS = 1000;
const BOM = [0xef, 0xbb, 0xbf];
const INVALID = [[0x80], [0xbf], [0xc0, 0x80], [0xc3], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xf5], [0xff], [0xf4, 0x90, 0x80, 0x80]];
const SPECIAL = ['\n\n', '\n \n', '\r\n\r\n', '\n\t\n\n', '\0', '\ufeff', ' ', 'é', '😀', '\u2028', '\ud83d\ude00'];

const utf8Fragment = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom(...SPECIAL)).map((s) => [...Buffer.from(s)]);
const txtBytes = fc.record({
  bom: fc.boolean(),
  utf16: fc.boolean(),
  parts: fc.array(fc.oneof({ weight: 6, arbitrary: utf8Fragment }, { weight: 1, arbitrary: fc.constantFrom(...INVALID) }), { maxLength: 12 }),
}).map(({ bom, utf16, parts }) => {
  const body = Buffer.from(parts.flat());
  if (utf16) return Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(body.toString('utf8'), 'utf16le')]);
  return Buffer.concat([Buffer.from(bom ? BOM : []), body]);
});

const strict = (bytes: Uint8Array, n = bytes.length) => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n));
  } catch {
    return undefined;
  }
};
const visible = (s: string) => s.replace(/\s+/g, '');

describe('hostile corpus files', () => {
  it(`${RUNS} .txt files of mixed valid and invalid UTF-8: documents keep every character, or a one-line refusal`, () => {
    const seen = { read: 0, notUtf8: 0, empty: 0 };
    const path = join(root, 'corpus.txt');
    fc.assert(
      fc.property(txtBytes, (bytes) => {
        writeFileSync(path, bytes);
        const text = strict(bytes);
        if (text === undefined) {
          const err = caught(() => readCorpus(path));
          seen.notUtf8++;
          expect(err.code).toBe('CORPUS_NOT_UTF8');
          expect(err.oneLine()).toContain(path);
          const at = Number(/near byte (\d+)/.exec(err.message)![1]);
          expect(at).toBeLessThan(bytes.length);
          expect(strict(bytes, at)).toBeDefined();
          if (bytes[0] === 0xff && bytes[1] === 0xfe) expect(err.fix).toMatch(/UTF-16/);
        } else if (text.trim() === '') {
          seen.empty++;
          expect(caught(() => readCorpus(path)).code).toBe('CORPUS_EMPTY');
        } else {
          seen.read++;
          const docs = readCorpus(path);
          for (const d of docs) {
            expect(d).toBe(d.trim());
            expect(d).not.toMatch(/\n[ \t]*\n/);
          }
          expect(visible(docs.join(''))).toBe(visible(text));
        }
      }),
      { seed: 2032, numRuns: RUNS },
    );
    expect(seen.read + seen.notUtf8 + seen.empty).toBe(RUNS);
    expect(Math.min(seen.read, seen.notUtf8, seen.empty)).toBeGreaterThan(0);
  });

  type Line = { kind: 'text'; text: string } | { kind: 'blank' | 'garbage' | 'no text' };
  const LONE = ['\ud800', '\udfff', 'a\udc00b', '\ud83d'];
  const line: fc.Arbitrary<Line> = fc.oneof(
    { weight: 8, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom('', '\0', '\ufeff', ...SPECIAL, ...LONE))
      .map((text) => ({ kind: 'text' as const, text })) },
    { weight: 1, arbitrary: fc.constantFrom<Line>({ kind: 'blank' }, { kind: 'garbage' }, { kind: 'no text' }) },
  );
  const render = (l: Line) => (l.kind === 'text' ? JSON.stringify({ text: l.text }) : l.kind === 'blank' ? ' ' : l.kind === 'garbage' ? '{"text": "\0' : '{"body": "x"}');

  it(`${RUNS} .jsonl files with empty, NUL, BOM and unpaired-surrogate texts: each document as written, or the first bad line named`, () => {
    const seen = new Map<string, number>();
    const path = join(root, 'corpus.jsonl');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.boolean(), fc.boolean(), (lines, bom, crlf) => {
        writeFileSync(path, (bom ? '\ufeff' : '') + lines.map(render).join(crlf ? '\r\n' : '\n'));
        const bad = lines.findIndex((l) => l.kind === 'garbage' || l.kind === 'no text' || (l.kind === 'text' && /[\uD800-\uDFFF]/u.test(l.text)));
        const docs = lines.flatMap((l) => (l.kind === 'text' && l.text !== '' ? [l.text] : []));
        let outcome: string;
        if (bad >= 0) {
          const err = caught(() => readCorpus(path));
          expect(err.code).toBe('CORPUS_INVALID');
          expect(err.oneLine()).toContain(`line ${bad + 1} of ${path}`);
          expect(err.oneLine()).not.toMatch(/[\n\0]/);
          outcome = lines[bad].kind === 'text' ? 'unpaired surrogate' : lines[bad].kind;
          if (outcome === 'unpaired surrogate') expect(err.message).toMatch(/unpaired surrogate \\u[0-9a-f]{4}/);
        } else if (docs.length === 0) {
          expect(caught(() => readCorpus(path)).code).toBe('CORPUS_EMPTY');
          outcome = 'empty';
        } else {
          expect(readCorpus(path)).toEqual(docs);
          outcome = 'read';
        }
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
      }),
      { seed: 2033, numRuns: RUNS },
    );
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    expect([...seen.keys()].sort()).toEqual(['empty', 'garbage', 'no text', 'read', 'unpaired surrogate']);
  });

  it('a leading BOM is dropped; a BOM, NUL or U+2028 inside the text is kept', () => {
    const path = join(root, 'bom.txt');
    writeFileSync(path, Buffer.concat([Buffer.from(BOM), Buffer.from('one\0two\ufeffthree\u2028four\n\nfive')]));
    expect(readCorpus(path)).toEqual(['one\0two\ufeffthree\u2028four', 'five']);
  });
});

const file = (name: string, data: string | Uint8Array) => {
  writeFileSync(join(root, name), data);
  return join(root, name);
};
const expectOneLineError = (run: { status: number; stderr: string }, pattern: RegExp) => {
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
};

describe('lmb score --text', () => {
  const model = writeTinyGpt2WithTokenizer(join(root, 'model'), 7);
  const score = (text: string) => lmb({}, 'score', '--model', model, '--text', text, '--device', 'cpu');

  it('refuses text that is not UTF-8, or empty, in one line naming the file', async () => {
    const [latin1, utf16, empty, bomOnly] = await Promise.all([
      score(file('latin1.txt', Buffer.from('caf\xe9 au lait', 'latin1'))),
      score(file('utf16.txt', Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from('hello', 'utf16le')]))),
      score(file('empty.txt', '')),
      score(file('bom-only.txt', Buffer.from(BOM))),
    ]);
    expectOneLineError(latin1, /^lmb: TEXT_NOT_UTF8: --text .*latin1\.txt is not valid UTF-8 \(near byte 3\)\. Convert it to UTF-8, e\.g\. iconv -f latin1/);
    expectOneLineError(utf16, /^lmb: TEXT_NOT_UTF8: --text .*utf16\.txt is not valid UTF-8 \(near byte 0\)\. It starts with a UTF-16 byte-order mark/);
    expectOneLineError(empty, /^lmb: TEXT_EMPTY: --text .*empty\.txt is empty: there is nothing to score\. Put some text in it, or pass --ids/);
    expectOneLineError(bomOnly, /^lmb: TEXT_EMPTY: --text .*bom-only\.txt is empty/);
  });

  it('drops a leading BOM and scores NUL as text', async () => {
    const [plain, bom] = await Promise.all([score(file('plain.txt', 'a\0b c')), score(file('with-bom.txt', Buffer.concat([Buffer.from(BOM), Buffer.from('a\0b c')])))]);
    expect(plain.status, plain.stderr).toBe(0);
    expect(bom.stdout).toBe(plain.stdout);
    expect(plain.stdout.trim().split('\n').map((l) => JSON.parse(l).token).join('')).toBe('a\0b c');
  });
});

describe('lmb tokens --corpus', () => {
  const suite = join(root, 'tiny');
  tinySuite(root, 'tiny', ['seed-a'], [0]);
  const env = { LMB_CACHE: join(root, 'cache') };
  const tokens = (corpus: string) => lmb({ env }, 'tokens', '--suite', suite, '--checkpoints', '0', '--corpus', corpus, '--device', 'cpu');

  it('refuses a hostile corpus in one line and leaves the stored token scores untouched', async () => {
    const stored = await tokens(file('good.txt', 'A first document.\n\nA second one.'));
    expect(stored.status, stored.stderr).toBe(0);
    const store = join(root, 'cache', 'tokens.duckdb');
    const before = { bytes: readFileSync(store), mtime: statSync(store).mtimeMs };
    const [surrogate, utf16, empty] = await Promise.all([
      tokens(file('lone.jsonl', '{"text":"fine"}\n{"text":"half \\ud83d of an emoji"}\n')),
      tokens(file('utf16.txt', Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from('hello', 'utf16le')]))),
      tokens(file('empty.jsonl', '{"text":""}\n\n{"text":""}\n')),
    ]);
    expectOneLineError(surrogate, /^lmb: CORPUS_INVALID: line 2 of .*lone\.jsonl has an unpaired surrogate \\ud83d in its "text" \(character 5\)/);
    expectOneLineError(utf16, /^lmb: CORPUS_NOT_UTF8: corpus file .*utf16\.txt is not valid UTF-8 \(near byte 0\)\. It starts with a UTF-16 byte-order mark/);
    expectOneLineError(empty, /^lmb: CORPUS_EMPTY: corpus file .*empty\.jsonl has no documents/);
    expect(statSync(store).mtimeMs).toBe(before.mtime);
    expect(readFileSync(store).equals(before.bytes)).toBe(true);
  });
});
