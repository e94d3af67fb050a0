import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LmbError, thrownLine } from '../errors.js';
import { atomicWrite, readIfExists, updateFile } from '../files/atomic-write.js';
import type { Outcome } from '../judge/judge.js';
import type { ProbeRecord } from '../spec/probe.js';
import type { CheckpointRef, Run, Suite } from '../suite/suite.js';
import { ResultCache, sortedOutcomes } from './result-cache.js';
import type { CheckpointOutcomes, SuiteResults } from './runner.js';

interface ProbesFile {
  suite: string;
  behaviours: Record<string, readonly ProbeRecord[]>;
}

interface CheckpointFile {
  run: string;
  step: number;
  checkpoint: string;
  outcomes: Record<string, Outcome>;
}

/**
 * A suite's probe outcomes by run and step: `<dir>/<suite>/probes.json` (the probes, by
 * behaviour) and one file per checkpoint, `<dir>/<suite>/<run>/<step>.json`, each written
 * atomically as soon as the checkpoint is done. Shards of one grid write disjoint files into the
 * same folder (or folders copied together later), and `read` puts them back into the results a
 * single run would have had. Unlike ResultCache (keyed by weights), it needs no weights to read.
 */
export class GridResults {
  readonly folder: string;
  /** The probes last written to probes.json by this instance (the runner passes one map per run). */
  private recordedProbes?: ReadonlyMap<string, readonly ProbeRecord[]>;

  constructor(dir: string, readonly suite: string) {
    this.folder = join(dir, fileName(suite));
  }

  static defaultDir(): string {
    return join(ResultCache.defaultDir(), 'grid');
  }

  /** Stores one checkpoint's outcomes (merged with any already stored) and, if new, the probes. */
  record(c: CheckpointOutcomes, probes: ReadonlyMap<string, readonly ProbeRecord[]>): void {
    mkdirSync(join(this.folder, fileName(c.run)), { recursive: true });
    if (probes !== this.recordedProbes) {
      const probesJson = `${JSON.stringify({ suite: this.suite, behaviours: Object.fromEntries(probes) } satisfies ProbesFile)}\n`;
      const probesPath = join(this.folder, 'probes.json');
      if (readIfExists(probesPath) !== probesJson) atomicWrite(probesPath, probesJson);
      this.recordedProbes = probes;
    }
    const path = this.checkpointPath(c.run, c.step);
    updateFile(path, (current) => {
      const stored = current === undefined ? {} : parseResults<CheckpointFile>(current, path).outcomes;
      const outcomes = sortedOutcomes({ ...stored, ...Object.fromEntries(c.outcomes) });
      return `${JSON.stringify({ run: c.run, step: c.step, checkpoint: c.checkpoint, outcomes } satisfies CheckpointFile)}\n`;
    });
  }

  /**
   * The results of `select`ed checkpoints of every run, in suite order, as `evaluateSuite` returns
   * them. Every selected checkpoint must have an outcome for every probe: a gap is an error that
   * names what is missing, never a matrix with silent holes.
   */
  read(suite: Suite, select: (run: Run) => readonly CheckpointRef[]): SuiteResults {
    const probesPath = join(this.folder, 'probes.json');
    if (!existsSync(probesPath)) {
      throw new LmbError('GRID_MISSING', `${this.folder} holds no results of suite ${suite.name}`,
        'Run the grid first (lmb run, or lmb run --shard i/n on each machine) with the same --results folder');
    }
    const probes = new Map(Object.entries(this.readJson<ProbesFile>(probesPath).behaviours));
    const ids = [...probes.values()].flat().map((p) => p.id);
    const checkpoints: CheckpointOutcomes[] = [];
    const missing: string[] = [];
    const partial: string[] = [];
    for (const run of suite.runs) {
      for (const ref of select(run)) {
        const path = this.checkpointPath(run.name, ref.step);
        if (!existsSync(path)) {
          missing.push(`${run.name}@${ref.step}`);
          continue;
        }
        const outcomes = new Map(Object.entries(this.readJson<CheckpointFile>(path).outcomes));
        const lacking = ids.filter((id) => !outcomes.has(id)).length;
        if (lacking) partial.push(`${run.name}@${ref.step} (${lacking} probes)`);
        checkpoints.push({ run: run.name, step: ref.step, checkpoint: ref.name, outcomes });
      }
    }
    if (missing.length) {
      throw new LmbError('GRID_INCOMPLETE', `${missing.length} selected checkpoints of suite ${suite.name} have no results in ${this.folder}: ${listed(missing)}`,
        'Run the shards that hold them (lmb run --shard i/n with this --results folder), or merge fewer with --checkpoints');
    }
    if (partial.length) {
      throw new LmbError('GRID_INCOMPLETE', `checkpoints in ${this.folder} lack outcomes for probes in its probes.json: ${listed(partial)}`,
        'Re-run those checkpoints with the current behaviours (lmb run with this --results folder computes only what is missing)');
    }
    return { suite: suite.name, probes, checkpoints };
  }

  private checkpointPath(run: string, step: number): string {
    return join(this.folder, fileName(run), `${step}.json`);
  }

  private readJson<T>(path: string): T {
    return parseResults<T>(readFileSync(path, 'utf8'), path);
  }
}

function parseResults<T>(text: string, path: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new LmbError('GRID_DAMAGED', `${path} is not a results file (${thrownLine(e)})`, 'Delete it and re-run that checkpoint (lmb run computes only what is missing)');
  }
}

const fileName = (name: string) => encodeURIComponent(name);
const listed = (items: string[]) => `${items.slice(0, 6).join(', ')}${items.length > 6 ? `, and ${items.length - 6} more` : ''}`;
