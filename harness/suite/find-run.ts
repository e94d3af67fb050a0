import { LmbError } from '../errors.js';
import type { Run, Suite } from './suite.js';

/** A run by its name or else one of its aliases (e.g. `alias`, `seed-21`, `stanford-crfm/alias-gpt2-small-x21`); case-insensitive. */
export function findRun(suite: Suite, query: string): Run {
  const q = query.trim().toLowerCase();
  const byName = suite.runs.find((r) => r.name.toLowerCase() === q);
  if (byName) return byName;
  const matches = suite.runs.filter((r) => (r.aliases ?? []).some((n) => n.toLowerCase() === q));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new LmbError('RUN_AMBIGUOUS', `"${query}" is an alias of ${matches.length} runs of suite ${suite.name} (${matches.slice(0, 5).map((r) => r.name).join(', ')}${matches.length > 5 ? ', …' : ''})`,
      'Name the run by its short name');
  }
  const seedAlias = (r: Run) => r.aliases?.find((a) => a === `seed-${r.seed}`);
  const shown = suite.runs.slice(0, 20).map((r) => (seedAlias(r) ? `${r.name} (${seedAlias(r)})` : r.name));
  const more = suite.runs.length > shown.length ? `, and ${suite.runs.length - shown.length} more` : '';
  throw new LmbError('RUN_UNKNOWN', `suite ${suite.name} has no run "${query}"`, `Use one of: ${shown.join(', ')}${more}`);
}
