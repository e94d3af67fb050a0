import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseTokens, namedTokens } from '../../harness/analysis/curves/choose.js';
import { curveRows } from '../../harness/analysis/curves/rows.js';
import { principalComponents } from '../../harness/analysis/pca/components.js';
import { covariance, CovarianceSum } from '../../harness/analysis/pca/covariance.js';
import { componentScores } from '../../harness/analysis/pca/scores.js';
import { pcaOfStore } from '../../harness/analysis/pca/store-pca.js';
import { prng } from '../../harness/analysis/prng.js';
import { TokenBlocks, type TokenBlock } from '../../harness/analysis/tokens/blocks.js';
import { readTokenMatrix } from '../../harness/analysis/tokens/matrix.js';
import { TokenStore } from '../../harness/analysis/tokens/store.js';

describe('covariance summed a few rows at a time', () => {
  it('equals covariance() of the whole columns to the bit, across its 4096-row blocks', () => {
    const random = prng(3);
    const columns = Array.from({ length: 5 }, () => Float32Array.from({ length: 10_000 }, () => 4 * random()));
    const means = Float64Array.from(columns, (c) => c.reduce((s, x) => s + x, 0) / c.length);
    const sum = new CovarianceSum(means);
    for (let start = 0; start < 10_000; start += 997) sum.add(columns.map((c) => c.subarray(start, start + 997)));
    expect(sum.covariance()).toEqual(covariance(columns, means));
  });
});

describe('PCA and curves read from the token store in blocks', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmb-pca-blocks-'));
  let store: TokenStore;
  const random = prng(5);
  // Documents of 20-90 tokens, the second a prefix of the first (equal prefixes are one end token)
  // and the first repeated in the corpus (counted once); 5 checkpoints, the last without document 3.
  const docs = Array.from({ length: 6 }, () => Array.from({ length: 20 + Math.floor(70 * random()) }, () => Math.floor(500 * random())));
  docs[1] = docs[0].slice(0, 15);
  const steps = [['a', 0], ['a', 10], ['a', 20], ['b', 0], ['b', 20]] as const;

  beforeAll(async () => {
    store = await TokenStore.open(join(root, 'tokens.duckdb'));
    const corpus = await store.addCorpus('/corpus.txt', [...docs, docs[0]]);
    const hardness = docs.map((ids) => ids.map(() => 8 * random()));
    for (const [c, [run, step]] of steps.entries()) {
      const id = await store.checkpointId(`key-${c}`, { suite: 's', run, step, name: `${run}-${step}` });
      await store.writeCheckpoint(id, async (append) => {
        docs.forEach((ids, d) => {
          if (c === 4 && d === 3) return;
          const logprobs = Float32Array.from(ids, (_, t) => -(hardness[d][t] * (1 - step / 40) + random()));
          append(corpus.docIds[d], { ids, logprobs, top1: new Int32Array(ids.length) });
        });
      });
    }
  });
  afterAll(() => store?.close());

  const picks = steps.map(([run, step]) => ({ run, step }));

  it('blocks of 7 rows put together are readTokenMatrix: the same rows, columns and gaps', async () => {
    const m = await readTokenMatrix(store, { corpus: '/corpus.txt', checkpoints: picks });
    const blocks = await TokenBlocks.open(store, { corpus: '/corpus.txt', checkpoints: picks });
    const read: TokenBlock[] = [];
    for await (const b of blocks.read(7)) read.push(b);
    const ids = await blocks.ids();
    await blocks.close();
    expect(blocks.rows).toBe(m.doc.length);
    expect(read.map((b) => [b.start, b.rows])).toEqual(Array.from({ length: Math.ceil(m.doc.length / 7) }, (_, i) => [7 * i, Math.min(7, m.doc.length - 7 * i)]));
    expect(ids).toEqual({ corpus: m.corpus, doc: m.doc, position: m.position, tokenId: m.tokenId });
    m.logprobs.forEach((lp, c) => expect(read.flatMap((b) => Array.from(b.logprobs[c]))).toEqual(Array.from(lp)));
    expect(m.logprobs[4].some(Number.isNaN)).toBe(true);
  });

  it('tiny blocks give the PCA of one block, and both are the PCA of the whole matrix in memory', async () => {
    const tiny = await pcaOfStore(store, { corpus: '/corpus.txt', checkpoints: picks, components: 2, top: 5, blockTokens: 7 });
    const one = await pcaOfStore(store, { corpus: '/corpus.txt', checkpoints: picks, components: 2, top: 5, blockTokens: 1_000_000 });
    expect(tiny).toEqual(one);

    const m = await readTokenMatrix(store, { corpus: '/corpus.txt', checkpoints: picks });
    const rows = Array.from(m.doc.keys()).filter((r) => m.logprobs.every((lp) => Number.isFinite(lp[r])));
    const losses = m.logprobs.map((lp) => Float32Array.from(rows, (r) => -lp[r]));
    expect([one.tokens, one.skippedTokens]).toEqual([rows.length, m.doc.length - rows.length]);
    expect(one.skippedTokens).toBe(docs[3].length - 1);
    expect(one.pc).toEqual(principalComponents(losses));
    for (let c = 0; c < 2; c++) {
      const scores = componentScores(losses, one.pc.means, one.pc.loadings[c]);
      const order = Array.from(scores.keys()).sort((i, j) => scores[j] - scores[i] || i - j);
      expect(one.ends[c].high[0]).toMatchObject({ doc: m.doc[rows[order[0]]], position: m.position[rows[order[0]]], score: scores[order[0]] });
      expect(one.ends[c].low[0].score).toBe(Math.min(...scores));
      const mean = (i: number, cols: number[]) => cols.reduce((s, k) => s + losses[k][i], 0) / cols.length;
      expect(one.ends[c].high[0]).toMatchObject({ meanLoss: mean(order[0], [0, 1, 2, 3, 4]), lossFirstStep: mean(order[0], [0, 3]), lossLastStep: mean(order[0], [2, 4]) });
    }
    // Documents 0 and 1 share their first 15 tokens: no prefix shows twice at an end.
    for (const { high, low } of one.ends) {
      const shown = [...high, ...low].map((t) => one.docs[t.doc].slice(0, t.position + 1).join(','));
      expect(new Set(shown).size).toBe(shown.length);
    }
  });

  it('curves: tiny blocks choose the tokens chooseTokens chooses over the whole matrix, and read their log-probs', async () => {
    const m = await readTokenMatrix(store, { corpus: '/corpus.txt', checkpoints: picks });
    const runs = [m.logprobs.slice(0, 3), m.logprobs.slice(3)];
    const opts = { corpus: '/corpus.txt', picks, shape: [3, 2], count: 10 };
    const tiny = await curveRows(store, { ...opts, blockTokens: 7 });
    expect(await curveRows(store, { ...opts, blockTokens: 1_000_000 })).toEqual(tiny);
    expect(tiny.choice).toEqual(chooseTokens(runs, 10));
    expect(tiny.logprobs).toEqual(runs.map((cols) => cols.map((lp) => Float32Array.from(tiny.choice.rows, (r) => lp[r]))));

    const rows = [40, 3, 40, m.doc.length - 1];
    const named = await curveRows(store, { ...opts, at: rows.map((r) => ({ doc: m.doc[r], position: m.position[r] })), blockTokens: 7 });
    expect(named.choice).toEqual(namedTokens(runs, rows));
    expect(named.logprobs[1][1][3]).toBe(m.logprobs[4][m.doc.length - 1]);
  });
});
