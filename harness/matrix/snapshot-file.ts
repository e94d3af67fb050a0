import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { LmbError, thrownLine } from '../errors.js';

/** A JSON file lmb wrote into snapshots/, parsed against its schema, or SNAPSHOT_INVALID saying it is not `what`. */
export function readSnapshotFile<T>(path: string, schema: z.ZodType<T>, what: string, fix: string): T {
  let problem: string;
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    problem = `${issue.path.join('.') || 'the file'}: ${issue.message.toLowerCase()}`;
  } catch (e) {
    problem = thrownLine(e);
  }
  throw new LmbError('SNAPSHOT_INVALID', `${path} is not ${what} (${thrownLine(problem)})`, fix);
}
