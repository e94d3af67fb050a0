import { LmbError } from '../errors.js';
import { listRevisions } from '../hub/api.js';
import { RepoCache } from '../hub/cache.js';
import { hubSettings, type HubSettings } from '../hub/settings.js';
import { stepOf } from './checkpoint-name.js';
import { hubCheckpoint } from './hub-checkpoint.js';
import type { Run, Suite } from './suite.js';

/** How training runs on the hub name their step branches: `checkpoint-{N}` (Stanford CRFM) or `step{N}` (EleutherAI's Pythia). */
export const HUB_REVISION_PATTERN = /^(?:checkpoint-|step)(\d+)$/;

export interface HubRunSpec {
  readonly repo: string;
  /** Default: the repo id's last part. */
  readonly name?: string;
  readonly seed?: number;
  readonly aliases?: readonly string[];
}

export interface HubSuiteSpec {
  /** Default: the first repo id's last part. */
  readonly name?: string;
  readonly description?: string;
  /** Hub ids, or specs with a short name and seed. */
  readonly runs: readonly (string | HubRunSpec)[];
  /** Revisions whose names match become checkpoints, the first group being the step. Default HUB_REVISION_PATTERN. */
  readonly pattern?: RegExp;
  readonly configOverrides?: Readonly<Record<string, unknown>>;
  /** Default: the environment now. Offline, revisions are listed from the cache. */
  readonly hub?: HubSettings;
  readonly signal?: AbortSignal;
}

/** Any hub repos whose revisions are training checkpoints, as a suite; one run per repo, steps from revision names. */
export async function hubSuite(spec: HubSuiteSpec): Promise<Suite> {
  const hub = spec.hub ?? hubSettings();
  const pattern = spec.pattern ?? HUB_REVISION_PATTERN;
  const runs = await Promise.all(spec.runs.map(async (entry): Promise<Run> => {
    const r = typeof entry === 'string' ? { repo: entry } : entry;
    const revisions = hub.offline ? new RepoCache(hub.cacheDir, r.repo).revisions() : await listRevisions(hub, r.repo, spec.signal);
    const byStep = new Map<number, string>();
    for (const revision of revisions.sort()) {
      const step = stepOf(revision, pattern);
      if (step !== undefined && !byStep.has(step)) byStep.set(step, revision);
    }
    if (byStep.size === 0) {
      throw new LmbError('HUB_CHECKPOINTS_MISSING', `hub repo ${r.repo} has no ${hub.offline ? 'cached ' : ''}revision matching ${pattern} (it has: ${revisions.slice(0, 8).join(', ') || 'none'})`,
        'Pass a pattern whose first group is the step, e.g. /^step-(\\d+)$/');
    }
    return {
      name: r.name ?? r.repo.split('/').pop()!,
      seed: r.seed,
      aliases: [r.repo, ...(r.aliases ?? []), ...(r.seed === undefined ? [] : [`seed-${r.seed}`])],
      configOverrides: spec.configOverrides,
      checkpoints: [...byStep].sort(([a], [b]) => a - b).map(([step, revision]) => hubCheckpoint(r.repo, revision, step, hub)),
    };
  }));
  return { name: spec.name ?? runs[0]?.name ?? 'hub', description: spec.description, runs };
}
