/**
 * Runs in its own process: every request of every shipped behaviour on one GPT-2 small-shaped
 * checkpoint, answered through the key/value cache and through full forward passes, with the
 * body tokens each pushed against the minimal count. Prints one JSON line.
 */
import { GraphModel } from '../harness/model/graph-model.js';
import { findProject } from '../harness/project.js';
import { planProbes } from '../harness/run/probe-plan.js';
import { answerRequests } from '../harness/score/evaluator.js';
import type { Answer, Request } from '../harness/score/requests.js';
import { Scorer } from '../harness/score/scorer.js';
import { loadBehaviours } from '../harness/spec/load.js';
import { openTokenizer } from '../harness/tokenize/open.js';
import { countingModel } from '../test/support/counting-model.js';

const dir = process.argv[2];
const behaviours = await loadBehaviours(findProject().behavioursDir);
const plan = planProbes(behaviours, openTokenizer(dir));
const requests = [...plan.requests.values()];

async function answer(cache: boolean) {
  const model = countingModel(await GraphModel.load(dir, { device: 'cpu', cache }));
  const start = performance.now();
  const answers = await answerRequests(new Scorer(model), requests);
  const seconds = (performance.now() - start) / 1000;
  await model.dispose();
  return { answers, seconds, pushed: model.pushed, passes: model.passes };
}

/**
 * Each distinct prompt token once, each continuation token but the last once, each decoded
 * token but the last once: what any exact method must push through the body.
 */
function minimalTokens(rs: readonly Request[], answers: readonly Answer[]): number {
  const contexts = new Set<string>();
  const tails = new Set<string>();
  const decodes = new Map<string, number>();
  const sequences = new Set<string>();
  rs.forEach((r, i) => {
    if (r.kind === 'tokens') sequences.add(r.ids.join(','));
    else {
      const c = r.context.join(',');
      contexts.add(c);
      if (r.kind === 'loglikelihood') tails.add(`${c}|${r.continuation.join(',')}`);
      else decodes.set(c, Math.max(decodes.get(c) ?? 0, (answers[i] as Extract<Answer, { kind: 'greedy' }>).tokens.length));
    }
  });
  const count = (key: string) => (key === '' ? 0 : key.split(',').length);
  let n = 0;
  for (const s of sequences) n += count(s);
  for (const c of contexts) n += count(c);
  for (const t of tails) n += Math.max(0, count(t.split('|')[1]) - 1);
  for (const g of decodes.values()) n += Math.max(0, g - 1);
  return n;
}

// The scorer's own body speed on probe-shaped input: every distinct context in one pass each,
// the head at its last position only (as nextTokens runs it). Measured just before and just
// after the cached run, as this machine's speed drifts by a fifth within minutes.
const contexts = [...new Set(requests.flatMap((r) => (r.kind === 'tokens' ? [] : [r.context.join(',')])))].map((c) => c.split(',').map(Number));
async function bodySpeed(): Promise<number> {
  const model = await GraphModel.load(dir, { device: 'cpu' });
  const scorer = new Scorer(model);
  await scorer.nextTokens(contexts.slice(0, 64));
  const start = performance.now();
  await scorer.nextTokens(contexts);
  const tokensPerSecond = contexts.reduce((a, c) => a + c.length, 0) / ((performance.now() - start) / 1000);
  await model.dispose();
  return tokensPerSecond;
}

const speedBefore = await bodySpeed();
const after = await answer(true);
const speedAfter = await bodySpeed();
const before = await answer(false);

let maxDiff = 0;
let greedySame = true;
after.answers.forEach((a, i) => {
  const b = before.answers[i];
  if (a.kind === 'loglikelihood' && b.kind === 'loglikelihood') maxDiff = Math.max(maxDiff, Math.abs(a.logprob - b.logprob));
  if (a.kind === 'greedy' && b.kind === 'greedy' && a.tokens.join() !== b.tokens.join()) greedySame = false;
});

const minimal = minimalTokens(requests, after.answers);
console.log(JSON.stringify({
  behaviours: behaviours.length, probes: plan.probes.length, requests: requests.length, minimal, tokensPerSecond: [speedBefore, speedAfter], maxDiff, greedySame,
  before: { seconds: before.seconds, pushed: before.pushed, passes: before.passes },
  after: { seconds: after.seconds, pushed: after.pushed, passes: after.passes },
}));
