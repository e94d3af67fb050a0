import type { Answer, Request } from '../score/requests.js';
import type { Judge, Probe } from '../spec/probe.js';
import type { TextTokenizer } from '../tokenize/tokenizer.js';
import { choiceJudge } from './choice.js';
import { continuationJudge } from './continuation.js';
import { copyingJudge } from './copying.js';
import type { JudgeKind, Outcome } from './judge.js';
import { nextJudge } from './next.js';

/** Judging kind -> implementation. Adding a kind is one file and one row. */
const JUDGES: { [K in Judge['kind']]: JudgeKind<Extract<Judge, { kind: K }>> } = {
  next: nextJudge,
  choice: choiceJudge,
  continuation: continuationJudge,
  copying: copyingJudge,
};

function kindOf<J extends Judge>(judge: J): JudgeKind<J> {
  return JUDGES[judge.kind] as unknown as JudgeKind<J>;
}

export function probeRequests(probe: Probe, tok: TextTokenizer): Request[] {
  return kindOf(probe.judge).requests(probe.judge, probe.prompt, tok);
}

export function judgeProbe(probe: Probe, answers: readonly Answer[], tok: TextTokenizer): Outcome {
  return kindOf(probe.judge).decide(probe.judge, answers, tok);
}

export type { Outcome };
