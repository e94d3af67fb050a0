import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCorpus } from '../../harness/analysis/tokens/corpus.js';
import { readTokenMatrix } from '../../harness/analysis/tokens/matrix.js';
import { scoreCorpus, type CorpusScores } from '../../harness/analysis/tokens/score-corpus.js';
import { TokenStore } from '../../harness/analysis/tokens/store.js';
import { loadModel } from '../../harness/model/load.js';
import { Scorer } from '../../harness/score/scorer.js';
import { selectGrid } from '../../harness/suite/select.js';
import type { Suite } from '../../harness/suite/suite.js';
import { openTokenizer } from '../../harness/tokenize/open.js';
import type { TextTokenizer } from '../../harness/tokenize/tokenizer.js';
import { caught } from '../support/errors.js';
import { tinySuite } from '../support/tiny-suite.js';

const DOCS = [
  'The quick brown fox jumps over the lazy dog.',
  'A second document,\nwith two lines.',
  // Longer than the tiny models' 64-token context: scored in windows.
  Array.from({ length: 30 }, (_, i) => `word${i}`).join(' and '),
];
const EXTRA = 'Only in the bigger corpus: a fourth document.';

describe('lmb tokens: scoring a corpus into the token store', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmb-tokens-'));
  const small = join(root, 'small.txt');
  const big = join(root, 'big.jsonl');
  const storePath = join(root, 'tokens.duckdb');
  const cacheDir = join(root, 'cache');
  let suite: Suite;
  let store: TokenStore;
  const count = async (table: string) => Number(await store.value<bigint>(`SELECT count(*) FROM ${table}`));
  const score = (corpus: string, steps: number[]) =>
    scoreCorpus({ suite, corpus, store, cacheDir, model: { device: 'cpu' }, grid: selectGrid(suite, steps.join(',')), chunkTokens: 40 });

  beforeAll(async () => {
    suite = tinySuite(root, 'tiny', ['seed-a', 'seed-b'], [0, 100]);
    writeFileSync(small, `${DOCS.join('\n\n')}\n`);
    writeFileSync(big, [...DOCS, EXTRA].map((text) => JSON.stringify({ text })).join('\n'));
    store = await TokenStore.open(storePath);
  });
  afterAll(() => store?.close());

  let first: CorpusScores & { tokenizer: TextTokenizer };
  it('stores exactly what Scorer.score gives for every document of every checkpoint', async () => {
    first = await score(small, [0]);
    const tok = openTokenizer(await suite.runs[0].checkpoints[0].fetch());
    const ids = DOCS.map((d) => tok.encode(d));
    expect(ids[2].length).toBeGreaterThan(64);
    // The tokenizer it hands back is the one that tokenized the corpus.
    expect(DOCS.map((d) => first.tokenizer.encode(d))).toEqual(ids);
    expect(first.documents).toBe(3);
    expect(first.distinctDocuments).toBe(3);
    expect(first.tokens).toBe(ids.reduce((n, d) => n + d.length, 0));
    expect(first.scoredTokens).toBe(first.tokens - 3);
    expect(first.checkpoints.map((c) => [c.run, c.step, c.added])).toEqual([['seed-a', 0, first.scoredTokens], ['seed-b', 0, first.scoredTokens]]);

    const m = await readTokenMatrix(store, { corpus: small });
    expect(m.checkpoints.map((c) => `${c.run}@${c.step}`)).toEqual(['seed-a@0', 'seed-b@0']);
    for (const [r, run] of suite.runs.entries()) {
      const model = await loadModel(await run.checkpoints[0].fetch(), { device: 'cpu' });
      const expected = await new Scorer(model).score(ids);
      await model.dispose();
      const rows = expected.flatMap((s, d) => Array.from({ length: s.ids.length - 1 }, (_, k) => ({ d, t: k + 1, s })));
      expect(Array.from(m.doc)).toEqual(rows.map((x) => x.d));
      expect(Array.from(m.position)).toEqual(rows.map((x) => x.t));
      expect(Array.from(m.tokenId)).toEqual(rows.map((x) => x.s.ids[x.t]));
      expect(m.logprobs[r]).toEqual(Float32Array.from(rows.map((x) => x.s.logprobs[x.t])));
      expect(m.top1[r]).toEqual(Int32Array.from(rows.map((x) => x.s.top1[x.t])));
      const meanLoss = -m.logprobs[r].reduce((a, b) => a + b, 0) / m.logprobs[r].length;
      expect(first.checkpoints[r].meanLoss).toBeCloseTo(meanLoss, 4);
    }
  });

  it('a document repeated in a corpus counts once: in the matrix (at its first place) and in the mean loss', async () => {
    const repeated = join(root, 'repeated.txt');
    writeFileSync(repeated, `${[DOCS[0], DOCS[1], DOCS[0]].join('\n\n')}\n`);
    const scored = await score(repeated, [0]);
    expect([scored.documents, scored.distinctDocuments]).toEqual([3, 2]);
    const m = await readTokenMatrix(store, { corpus: repeated });
    expect([...new Set(m.doc)]).toEqual([0, 1]);
    const once = await readTokenMatrix(store, { corpus: small });
    const rowsOf = (x: typeof m, d: number) => Array.from(x.logprobs[0]).filter((_, i) => x.doc[i] === d);
    expect(m.logprobs[0].length).toBe(rowsOf(once, 0).length + rowsOf(once, 1).length);
    const meanLoss = -m.logprobs[0].reduce((a, b) => a + b, 0) / m.logprobs[0].length;
    expect(scored.checkpoints[0].meanLoss).toBeCloseTo(meanLoss, 5);
  });

  it('re-running adds nothing', async () => {
    const rows = await count('logprobs');
    const again = await score(small, [0]);
    expect(again.checkpoints.map((c) => c.added)).toEqual([0, 0]);
    expect(again.checkpoints.map((c) => c.meanLoss)).toEqual(first.checkpoints.map((c) => c.meanLoss));
    expect(await count('logprobs')).toBe(rows);
    expect(await count('tokens')).toBe(first.tokens);
  });

  it('a new document or checkpoint adds only that; the matrix reads any of them back', async () => {
    const rows = await count('logprobs');
    const bigger = await score(big, [0, 100]);
    const extra = bigger.scoredTokens - first.scoredTokens;
    expect(bigger.documents).toBe(4);
    expect(bigger.checkpoints.map((c) => [c.run, c.step, c.added])).toEqual([
      ['seed-a', 0, extra], ['seed-a', 100, bigger.scoredTokens], ['seed-b', 0, extra], ['seed-b', 100, bigger.scoredTokens]]);
    expect(await count('logprobs')).toBe(rows + 2 * extra + 2 * bigger.scoredTokens);
    expect(bigger.corpus).not.toBe(first.corpus);

    const all = await readTokenMatrix(storePath, { corpus: bigger.corpus });
    expect(all.checkpoints.map((c) => `${c.run}@${c.step}`)).toEqual(['seed-a@0', 'seed-a@100', 'seed-b@0', 'seed-b@100']);
    expect(all.logprobs).toHaveLength(4);
    for (const col of all.logprobs) {
      expect(col).toHaveLength(bigger.scoredTokens);
      expect(col.every((x) => Number.isFinite(x) && x <= 0)).toBe(true);
    }
    const old = await readTokenMatrix(store, { corpus: first.corpus, checkpoints: [{ run: 'seed-b', step: 0 }, bigger.checkpoints[0].key] });
    expect(old.logprobs[0]).toEqual(all.logprobs[2].subarray(0, first.scoredTokens));
    expect(old.logprobs[1]).toEqual(all.logprobs[0].subarray(0, first.scoredTokens));
    // The earlier run's checkpoints hold the new document's scores too.
    expect(all.doc.at(-1)).toBe(3);
  });

  it('a checkpoint whose writing fails leaves nothing behind', async () => {
    const rows = await count('logprobs');
    const done = await count('done');
    const id = await store.checkpointId('not-a-real-key');
    const tokens = { ids: [1, 2, 3], logprobs: new Float32Array([NaN, -1, -2]), top1: new Int32Array([-1, 5, 6]) };
    await expect(store.writeCheckpoint(id, async (append) => {
      append(0, tokens);
      throw new Error('interrupted');
    })).rejects.toThrow('interrupted');
    expect(await count('logprobs')).toBe(rows);
    expect(await count('done')).toBe(done);
  });

  it('reading a corpus or checkpoint the store lacks names what it has', async () => {
    await expect(readTokenMatrix(store, { corpus: 'nope' })).rejects.toMatchObject({ code: 'CORPUS_NOT_STORED' });
    await expect(readTokenMatrix(store, { corpus: small, checkpoints: [{ run: 'seed-a', step: 7 }] }))
      .rejects.toThrow(/no run seed-a step 7; stored: seed-a@0, seed-a@100/);
  });
});

describe('readCorpus', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmb-corpus-'));
  const file = (name: string, data: string | Buffer) => {
    writeFileSync(join(root, name), data);
    return join(root, name);
  };

  it('splits .txt at blank lines and reads .jsonl "text" fields', () => {
    expect(readCorpus(file('a.txt', 'one\r\ntwo\n\n  \nthree\n \n\n'))).toEqual(['one\ntwo', 'three']);
    expect(readCorpus(file('a.jsonl', '{"text":"x y"}\n\n{"text":"z\\n\\nw","id":2}\n'))).toEqual(['x y', 'z\n\nw']);
  });

  it('says what is wrong with a file it cannot use', () => {
    const code = (path: string) => caught(() => readCorpus(path));
    expect(code(join(root, 'missing.txt')).code).toBe('CORPUS_MISSING');
    expect(code(file('empty.txt', '\n \n\n')).code).toBe('CORPUS_EMPTY');
    const latin1 = code(file('latin1.txt', Buffer.from([0x61, 0x62, 0xe9, 0x20, 0x63])));
    expect(latin1.code).toBe('CORPUS_NOT_UTF8');
    expect(latin1.oneLine()).toMatch(/not valid UTF-8 \(near byte 2\)/);
    expect(code(file('doc.md', 'text')).code).toBe('CORPUS_FORMAT_UNKNOWN');
    expect(code(file('bad.jsonl', '{"text":"ok"}\n{"body":"no"}\n')).oneLine()).toMatch(/line 2 of .* has no string "text" field/);
    expect(code(file('bad2.jsonl', 'not json')).code).toBe('CORPUS_INVALID');
    expect(code(file('empty.jsonl', '')).code).toBe('CORPUS_EMPTY');
  });
});
