import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LmbError } from '../errors.js';
import { atomicWrite } from '../files/atomic-write.js';
import { shownPath } from '../files/shown-path.js';
import { collectSections, type ReportSection } from './collect.js';
import { renderReport } from './render.js';

export interface WriteReportOptions {
  /** The suite's snapshot folder, e.g. snapshots/demo. */
  dir: string;
  /** The suite's name, for the title and the hint when the folder is missing. */
  suite: string;
  /** Default: report.html in `dir`. */
  out?: string;
}

/** Writes the suite's HTML report; returns where, and what it shows. */
export function writeReport(opts: WriteReportOptions): { path: string; sections: ReportSection[] } {
  const fix = `Create it with: npx lmb run --suite ${opts.suite}`;
  if (!statSync(opts.dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new LmbError('SNAPSHOT_MISSING', `no snapshot folder ${shownPath(opts.dir)}`, fix);
  }
  const sections = collectSections(opts.dir);
  if (sections.length === 0) throw new LmbError('SNAPSHOT_EMPTY', `${shownPath(opts.dir)} holds nothing the report can show (no matrix.md, heatmap.svg or analysis folder)`, fix);
  const path = opts.out ?? join(opts.dir, 'report.html');
  mkdirSync(dirname(path), { recursive: true });
  atomicWrite(path, renderReport(opts.suite, sections));
  return { path, sections };
}
