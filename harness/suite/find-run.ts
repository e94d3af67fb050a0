import { LmbError } from '../errors.js';
import type { Run, Suite } from './suite.js';

/** A run by its name or one of its aliases (e.g. `alias`, `seed-21`, `stanford-crfm/alias-gpt2-small-x21`); case-insensitive. */
export function findRun(suite: Suite, query: string): Run {
  const q = query.trim().toLowerCase();
  const run = suite.runs.find((r) => [r.name, ...(r.aliases ?? [])].some((n) => n.toLowerCase() === q));
  if (run) return run;
  const shown = suite.runs.slice(0, 20).map((r) => (r.seed === undefined ? r.name : `${r.name} (seed-${r.seed})`));
  const more = suite.runs.length > shown.length ? `, and ${suite.runs.length - shown.length} more` : '';
  throw new LmbError('RUN_UNKNOWN', `suite ${suite.name} has no run "${query}"`, `Use one of: ${shown.join(', ')}${more}`);
}
