import { describe, expect, it } from 'vitest';
import { judgeProbe, probeRequests } from '../../harness/judge/index.js';
import { answerRequests } from '../../harness/score/evaluator.js';
import { Scorer } from '../../harness/score/scorer.js';
import { expandProbes, behaviour } from '../../harness/spec/behaviour.js';
import { check, choice, continuation, copying, next, type ProbeInput } from '../../harness/spec/probe.js';
import { bigramModel, charTokenizer } from '../support/bigram.js';

// "abcdefghij" then end-of-text "$": the model's favourite successor of each letter is the next letter.
const tok = charTokenizer('abcdefghij$');
const model = bigramModel(11, (i) => (i + 1) % 10);
const scorer = new Scorer(model);

async function judge(...inputs: ProbeInput[]) {
  const probes = expandProbes(behaviour('known', { description: 'test', probes: inputs }), { tokenizer: tok, vocabSize: 11 });
  const requests = probes.map((p) => probeRequests(p, tok));
  const answers = await answerRequests(scorer, requests.flat());
  let at = 0;
  return probes.map((p, i) => {
    const outcome = judgeProbe(p, answers.slice(at, at + requests[i].length), tok);
    at += requests[i].length;
    return outcome;
  });
}

describe('judging kinds on a model whose answers are known', () => {
  it('next: passes only when every expected token is the argmax', async () => {
    const [yes, no, partly] = await judge(next('ab', 'cde'), next('ab', 'cdf'), next('ab', 'ce'));
    expect(yes).toMatchObject({ pass: true, output: '"cde"' });
    expect(yes.score).toBeCloseTo(3 * Math.log(0.6), 5);
    expect(no.pass).toBe(false);
    expect(no.output).toMatch(/^not "cdf" \(log p = -\d/);
    expect(partly.pass).toBe(false);
  });

  it('choice: the option with the highest summed log-prob wins', async () => {
    const [right, wrong] = await judge(choice('ab', ['d', 'c', 'e'], 'c'), choice('ab', ['d', 'c'], 'd'));
    expect(right).toMatchObject({ pass: true, output: '"c"' });
    expect(right.score).toBeCloseTo(Math.log(0.6) - Math.log(0.04), 5);
    expect(wrong).toMatchObject({ pass: false, output: '"c"' });
  });

  it('continuation: greedy-decodes N tokens and applies the check', async () => {
    const [hit, miss] = await judge(
      continuation('g', 4, check('wraps to a', (t) => t.includes('a'))),
      continuation('g', 2, check('wraps to a', (t) => t.includes('a'))),
    );
    expect(hit).toEqual({ pass: true, output: '"hija"' });
    expect(miss).toEqual({ pass: false, output: '"hi"' });
  });

  it('copying: top-1 accuracy on the repeat, first repeated token excluded', async () => {
    const [chain, jumps] = await judge(copying('', 'cdef', 0.9), copying('', 'aceg', 0.5));
    // The bigram model predicts c->d, d->e, e->f: all of the repeat after its first token.
    expect(chain).toMatchObject({ pass: true, score: 1 });
    expect(jumps).toMatchObject({ pass: false, score: 0 });
  });

  it('token-id prompts work for random-token copying', async () => {
    const [ids] = await judge(copying({ ids: [10] }, { ids: [4, 5, 6, 9] }, 0.6));
    expect(ids.score).toBeCloseTo(2 / 3, 10);
  });
});

describe('probe ids', () => {
  it('are derived from content: stable, and different when anything changes', () => {
    const a = expandProbes(behaviour('x', { description: '', probes: [next('ab', 'c')] }), { tokenizer: tok, vocabSize: 11 })[0];
    const b = expandProbes(behaviour('y', { description: '', probes: [next('ab', 'c')] }), { tokenizer: tok, vocabSize: 11 })[0];
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]{12}$/);
    const ids = [next('ab', 'd'), next('abc', 'c'), choice('ab', ['c', 'd'], 0), choice('ab', ['c', 'd'], 1),
      continuation('ab', 3, check('one', () => true)), continuation('ab', 3, check('two', () => true)), copying('ab', 'cd')]
      .map((p) => expandProbes(behaviour('z', { description: '', probes: [p] }), { tokenizer: tok, vocabSize: 11 })[0].id);
    expect(new Set([a.id, ...ids]).size).toBe(8);
  });
});
