import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LmbError, thrownLine } from '../errors.js';
import { atomicWrite, sweepTemporaries, updateFile } from '../files/atomic-write.js';
import { makeFolder } from '../files/write-failure.js';
import type { Answer } from '../score/requests.js';
import type { Behaviour } from '../spec/behaviour.js';
import type { GridItem } from '../suite/select.js';
import { openTokenizer, tokenizerFiles } from '../tokenize/open.js';
import { answersFile, answersOf } from './answer-cache.js';
import { judgeAll, planProbes, storedAnswers, type ProbePlan } from './probe-plan.js';
import type { CheckpointAnswers, CheckpointOutcomes, SuiteResults } from './runner.js';
import { storeAnswer } from './stored-answer.js';
import { storedObject } from './stored-json.js';

/**
 * A suite's answers by run and step, readable without weights: `<dir>/<suite>/runs/<run>/<step>.json`
 * (what the checkpoint answered, by request key; `<step>.absent.json` where the hub lacks it) and `<dir>/<suite>/tokenizer/` (a copy of the
 * suite's tokenizer). Each checkpoint file is written atomically as soon as the checkpoint is
 * done; shards of one grid write disjoint files into the same folder (or folders copied together
 * later). `judge` turns them into the results one run would have had, judging the probes of the
 * behaviours as they are now: an edited check or judge applies to a merge too.
 */
export class GridResults {
  readonly folder: string;
  private tokenizerCopied = false;
  /** Run folders whose leftover temporaries this instance has swept. */
  private swept = new Set<string>();

  constructor(dir: string, readonly suite: string) {
    this.folder = join(dir, encodeURIComponent(suite));
  }

  /** Stores one checkpoint's answers (added to any already stored) and, once, the tokenizer. */
  record({ opened, plan, answers }: CheckpointAnswers): void {
    if (!this.tokenizerCopied) this.copyTokenizer(opened.tokenizerDir);
    const { run, ref } = opened;
    const runDir = join(this.folder, 'runs', encodeURIComponent(run.name));
    makeFolder(runDir);
    if (!this.swept.has(runDir)) sweepTemporaries(runDir);
    this.swept.add(runDir);
    const path = this.checkpointPath(run.name, ref.step);
    rmSync(this.absentPath(run.name, ref.step), { force: true });
    const fresh = Object.fromEntries([...answers].map(([k, a]) => [k, storeAnswer(plan.requests.get(k)!, a)]));
    // Answers recorded for other weights (the checkpoint was replaced since) are dropped, never mixed in.
    updateFile(path, (current) => {
      const stored = storedObject(current);
      return answersFile({ ...(stored.key === opened.key ? answersOf(stored) : {}), ...fresh }, { run: run.name, step: ref.step, checkpoint: ref.name, key: opened.key });
    });
  }

  /** Notes that a checkpoint of the grid is not there to evaluate (its hub revision or weights are missing), and why. */
  recordAbsent({ run, ref }: GridItem, why: string): void {
    const runDir = join(this.folder, 'runs', encodeURIComponent(run.name));
    makeFolder(runDir);
    atomicWrite(this.absentPath(run.name, ref.step), `${JSON.stringify({ run: run.name, step: ref.step, checkpoint: ref.name, absent: why })}\n`);
  }

  /**
   * The results of `grid`'s checkpoints, in its order, as `evaluateSuite` returns them, the
   * probes judged now. Every checkpoint must hold an answer to every request, or have been
   * found absent from the hub by the shard that had it: any other gap is an error that names
   * what is missing, never a matrix with silent holes.
   */
  judge(grid: readonly GridItem[], behaviours: readonly Behaviour[]): SuiteResults {
    const tokenizerDir = join(this.folder, 'tokenizer');
    if (!existsSync(tokenizerDir)) {
      throw new LmbError('GRID_MISSING', `${this.folder} holds no results of suite ${this.suite}`,
        'Run the grid first (lmb run, or lmb run --shard i/n on each machine) with the same --results folder');
    }
    const plan: ProbePlan = planProbes(behaviours, openTokenizer(tokenizerDir));
    const checkpoints: CheckpointOutcomes[] = [];
    const missing: string[] = [];
    const partial: string[] = [];
    for (const { run, ref } of grid) {
      const path = this.checkpointPath(run.name, ref.step);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) {
        if (!existsSync(this.absentPath(run.name, ref.step))) missing.push(`${run.name}@${ref.step}`);
        continue;
      }
      if (!st.isFile()) throw new LmbError('GRID_DAMAGED', `${path} is not a results file (it is a folder)`, 'Delete it and re-run that checkpoint (lmb run computes only what is missing)');
      const { answers, missing: lacking } = storedAnswers(plan, this.readAnswers(path));
      if (lacking.length) partial.push(`${run.name}@${ref.step} (${lacking.length} request${lacking.length === 1 ? '' : 's'})`);
      else checkpoints.push({ run: run.name, step: ref.step, checkpoint: ref.name, outcomes: judgeAll(plan, answers as Map<string, Answer>) });
    }
    if (missing.length) {
      throw new LmbError('GRID_INCOMPLETE', `${missing.length} selected checkpoints of suite ${this.suite} have no results in ${this.folder}: ${listed(missing)}`,
        'Run the shards that hold them (lmb run --shard i/n with this --results folder), or merge fewer with --checkpoints');
    }
    if (partial.length) {
      throw new LmbError('GRID_INCOMPLETE', `checkpoints in ${this.folder} lack answers to requests the current behaviours make: ${listed(partial)}`,
        'Re-run those checkpoints with the current behaviours (lmb run with this --results folder computes only what is missing), or merge only the behaviours the shards ran (--behaviours)');
    }
    return { suite: this.suite, probes: plan.byBehaviour, checkpoints };
  }

  private copyTokenizer(from: string): void {
    const to = join(this.folder, 'tokenizer');
    makeFolder(to);
    sweepTemporaries(to);
    for (const file of tokenizerFiles(from)) {
      const target = join(to, basename(file));
      if (!existsSync(target) || !readFileSync(target).equals(readFileSync(file))) {
        const tmp = `${target}.${process.pid}.tmp`;
        copyFileSync(file, tmp);
        renameSync(tmp, target);
      }
    }
    this.tokenizerCopied = true;
  }

  private readAnswers(path: string): Map<string, unknown> {
    const text = readFileSync(path, 'utf8');
    const file = storedObject(text);
    if (Object.keys(file).length === 0) {
      throw new LmbError('GRID_DAMAGED', `${path} is not a results file (${damage(text)})`, 'Delete it and re-run that checkpoint (lmb run computes only what is missing)');
    }
    return new Map(Object.entries(answersOf(file)));
  }

  private checkpointPath(run: string, step: number): string {
    return join(this.folder, 'runs', encodeURIComponent(run), `${step}.json`);
  }

  private absentPath(run: string, step: number): string {
    return join(this.folder, 'runs', encodeURIComponent(run), `${step}.absent.json`);
  }
}

function damage(text: string): string {
  try {
    JSON.parse(text);
    return 'not an object of answers';
  } catch (e) {
    return thrownLine(e);
  }
}

const listed = (items: string[]) => `${items.slice(0, 6).join(', ')}${items.length > 6 ? `, and ${items.length - 6} more` : ''}`;
