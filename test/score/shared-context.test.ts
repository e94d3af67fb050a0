import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphModel } from '../../harness/model/graph-model.js';
import { answerRequests } from '../../harness/score/evaluator.js';
import type { Answer, Request } from '../../harness/score/requests.js';
import { Scorer } from '../../harness/score/scorer.js';
import { countingModel } from '../support/counting-model.js';
import { prng, randomTinyGpt2, writeTinyGpt2 } from '../support/tiny-gpt2.js';

const root = mkdtempSync(join(tmpdir(), 'lmb-shared-'));
const tiny = randomTinyGpt2(31);
const C = tiny.config.n_positions;
let plain: GraphModel;
let cached: GraphModel;
beforeAll(async () => {
  const dir = writeTinyGpt2(join(root, 'm'), tiny, 'torch', 'F16');
  plain = await GraphModel.load(dir, { device: 'cpu' });
  cached = await GraphModel.load(dir, { device: 'cpu', cache: true });
});
afterAll(async () => {
  await plain.dispose();
  await cached.dispose();
  rmSync(root, { recursive: true, force: true });
});

const rand = prng(8);
const ids = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * tiny.config.vocab_size));

/** Requests as behaviours make them: options sharing contexts, repeated prompts, decodes that stop early or run past the window. */
function requests(): Request[] {
  const contexts = [ids(5), ids(12), ids(1), ids(20)];
  const out: Request[] = [];
  for (const context of contexts) {
    for (const n of [1, 3, 0, 6]) out.push({ kind: 'loglikelihood', context, continuation: ids(n) });
  }
  out.push({ kind: 'loglikelihood', context: ids(C - 2), continuation: ids(5) }); // past the window: the scorer's windows
  out.push({ kind: 'tokens', ids: ids(9), from: 3 });
  const greedyContext = ids(7);
  out.push({ kind: 'greedy', context: greedyContext, maxTokens: 6 });
  out.push({ kind: 'greedy', context: greedyContext, maxTokens: 2 });
  out.push({ kind: 'greedy', context: ids(3), maxTokens: 10 });
  out.push({ kind: 'greedy', context: ids(C - 4), maxTokens: 9 }); // reaches the window, then slides
  out.push({ kind: 'greedy', context: ids(C + 3), maxTokens: 3 }); // longer than the window from the start
  out.push({ kind: 'greedy', context: ids(4), maxTokens: 0 });
  return out;
}

function expectSameAnswers(got: Answer[], want: Answer[]): void {
  expect(got.map((a) => a.kind)).toEqual(want.map((a) => a.kind));
  got.forEach((a, i) => {
    const w = want[i];
    if (a.kind === 'loglikelihood' && w.kind === 'loglikelihood') {
      expect(Math.abs(a.logprob - w.logprob)).toBeLessThanOrEqual(1e-4);
      expect(a.isGreedy).toBe(w.isGreedy);
    } else if (a.kind === 'greedy' && w.kind === 'greedy') expect(a.tokens).toEqual(w.tokens);
    else if (a.kind === 'tokens' && w.kind === 'tokens') expect([...a.top1]).toEqual([...w.top1]);
  });
}

describe('answers through the key/value cache', () => {
  const list = requests();
  let reference: Answer[];
  beforeAll(async () => {
    reference = await answerRequests(new Scorer(plain), list);
  });

  it('equal the full-forward answers (greedy tokens equal, log-probs within 1e-4) and push fewer tokens', async () => {
    const uncounted = countingModel(plain);
    await answerRequests(new Scorer(uncounted), list);
    const counted = countingModel(cached);
    expectSameAnswers(await answerRequests(new Scorer(counted), list), reference);
    expect(counted.pushed).toBeLessThan(0.8 * uncounted.pushed);
    // A decode of 6 tokens and one of 2 from one context share it: 6 tokens, the first the same.
    const [six, two] = list.map((r, i) => ({ r, a: reference[i] })).filter((x) => x.r.kind === 'greedy').slice(0, 2);
    expect((six.a as Extract<Answer, { kind: 'greedy' }>).tokens.slice(0, 2)).toEqual((two.a as Extract<Answer, { kind: 'greedy' }>).tokens);
  });

  it.each([
    { label: 'one row per pass', opts: { batchRows: 1 } },
    { label: 'a cache budget of a few rows', opts: { cacheBytes: 40 * cachedTokenBytes() } },
    { label: 'small token batches', opts: { batchTokens: 16 } },
  ])('do not depend on batch sizes: $label', async ({ opts }) => {
    expectSameAnswers(await answerRequests(new Scorer(cached, opts), list), reference);
  });

  it('a greedy decode stops at its stop id, and a shared decode serves each request its own length', async () => {
    const context = ids(6);
    const [free] = await answerRequests(new Scorer(cached), [{ kind: 'greedy', context, maxTokens: 8 }]);
    const tokens = (free as Extract<Answer, { kind: 'greedy' }>).tokens;
    const stop = tokens[3];
    const firstStop = tokens.indexOf(stop);
    const answers = await answerRequests(new Scorer(cached), [
      { kind: 'greedy', context, maxTokens: 8, stopIds: [stop] },
      { kind: 'greedy', context, maxTokens: 8 },
    ]);
    expect((answers[0] as Extract<Answer, { kind: 'greedy' }>).tokens).toEqual(tokens.slice(0, firstStop + 1));
    expect((answers[1] as Extract<Answer, { kind: 'greedy' }>).tokens).toEqual(tokens);
  });

  it('an empty context is refused for greedy and loglikelihood requests alike', async () => {
    for (const r of [{ kind: 'greedy', context: [], maxTokens: 2 }, { kind: 'loglikelihood', context: [], continuation: [1] }] as Request[]) {
      await expect(answerRequests(new Scorer(cached), [r])).rejects.toMatchObject({ code: 'CONTEXT_EMPTY' });
    }
  });
});

function cachedTokenBytes(): number {
  const { n_layer, n_embd } = tiny.config;
  return n_layer * 2 * n_embd * 4;
}
