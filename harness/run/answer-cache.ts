import { join } from 'node:path';
import { readIfExists, sweepTemporaries, updateFile } from '../files/atomic-write.js';
import { makeFolder } from '../files/write-failure.js';
import { storedObject } from './stored-json.js';
import type { StoredAnswer } from './stored-answer.js';

/** Files of another format (or the probe outcomes older versions kept in `results/`) are never read. */
const FORMAT = 1;

/**
 * What each checkpoint answered, on disk: `<cacheDir>/answers/<checkpoint key>.json`, answers
 * by request key (harness/run/stored-answer.ts). Verdicts are not stored: probes are judged
 * again on every read, so an edited check or judge can never serve a stale verdict. Written
 * atomically as each checkpoint finishes, under a lock, so an interrupted run loses at most the
 * checkpoint in flight and concurrent runs add to each other's answers; temporary files a killed
 * write left are swept when the cache is opened.
 */
export class AnswerCache {
  readonly dir: string;

  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'answers');
    makeFolder(this.dir);
    sweepTemporaries(this.dir);
  }

  /** The stored answers of a checkpoint, by request key (still to be checked against their requests). */
  read(key: string): Map<string, unknown> {
    return new Map(Object.entries(answersIn(readIfExists(this.path(key)))));
  }

  /** Adds `answers` to the checkpoint's stored answers. */
  write(key: string, answers: ReadonlyMap<string, StoredAnswer>): void {
    updateFile(this.path(key), (current) => answersFile({ ...answersIn(current), ...Object.fromEntries(answers) }));
  }

  private path(key: string): string {
    return join(this.dir, `${key}.json`);
  }
}

/** The answers of a stored answers file, or none when it is missing, damaged or of another format. */
export const answersIn = (text: string | undefined): Record<string, unknown> => answersOf(storedObject(text));

/** answersIn for a file already parsed (storedObject). */
export function answersOf(file: Record<string, unknown>): Record<string, unknown> {
  const answers = file.format === FORMAT ? file.answers : undefined;
  return typeof answers === 'object' && answers !== null && !Array.isArray(answers) ? (answers as Record<string, unknown>) : {};
}

/** A stored answers file: the format, `extra` fields, answers in key order (stable files). */
export function answersFile(answers: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const sorted = Object.fromEntries(Object.entries(answers).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify({ format: FORMAT, ...extra, answers: sorted })}\n`;
}
