import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * The spec files this shard (`vitest --shard i/n`) runs in `project`, or undefined when vitest is
 * not sharding. Found as vitest finds them: the run's file filters over every selected project,
 * then the configured sequencer's `shard`, so global setup evaluates only what this shard tests.
 */
export async function shardSpecFiles(project: TestProject): Promise<Set<string> | undefined> {
  const vitest = project.vitest;
  if (!vitest.config.shard) return undefined;
  // The CLI's file filters; vitest keeps them on the instance but does not type them.
  const filters = (vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const specs = await vitest.globTestSpecifications(filters);
  const Sequencer = vitest.config.sequence.sequencer;
  const mine = await new Sequencer(vitest).shard(specs);
  return new Set(mine.filter((s) => s.project.name === project.name).map((s) => resolve(s.moduleId)));
}
