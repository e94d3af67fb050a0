import { LmbError, thrownLine } from '../errors.js';
import type { Answer, Request } from '../score/requests.js';
import { specFileOf } from '../spec/behaviour.js';
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

function kindOf<J extends Judge>(probe: Probe): JudgeKind<J> {
  const kind = probe.judge?.kind;
  if (!Object.hasOwn(JUDGES, kind)) {
    throw new LmbError('SPEC_INVALID', `${where(probe)} has judging kind ${JSON.stringify(kind) ?? 'undefined'}`,
      `Make probes with ${Object.keys(JUDGES).join(', ')}() from harness/spec`);
  }
  return JUDGES[kind] as unknown as JudgeKind<J>;
}

function where(p: Probe): string {
  const file = specFileOf(p);
  return `probe ${p.id} of behaviour "${p.behaviour}"${file ? ` (${file})` : ''}`;
}

/** Runs spec code (a prompt to encode, a check to apply): what it throws becomes a one-line error naming the probe. */
function asSpec<T>(probe: Probe, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LmbError) throw e.message.startsWith(where(probe)) ? e : new LmbError(e.code, `${where(probe)}: ${e.message}`, e.fix);
    throw new LmbError('SPEC_FAILED', `${where(probe)} threw while ${doing}: ${thrownLine(e)}`,
      'Fix the spec file; run it alone with vitest --project behaviours <file>');
  }
}

export function probeRequests(probe: Probe, tok: TextTokenizer): Request[] {
  return asSpec(probe, 'making its requests', () => kindOf(probe).requests(probe.judge, probe.prompt, tok));
}

export function judgeProbe(probe: Probe, answers: readonly Answer[], tok: TextTokenizer): Outcome {
  return asSpec(probe, 'judging', () => kindOf(probe).decide(probe.judge, answers, tok));
}

export type { Outcome };
