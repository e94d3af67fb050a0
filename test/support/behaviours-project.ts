import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');

/**
 * A scratch project folder for an end-to-end test, removed when its file's tests are done. Inside
 * the repo (under the ignored .cache/), so spec files there resolve the repo's packages.
 */
export function scratchProject(prefix: string): string {
  mkdirSync(join(repo, '.cache'), { recursive: true });
  const dir = mkdtempSync(join(repo, '.cache', `${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A `next` behaviour spec file: for each word, `template` (with `${w}` for the word) is continued by " word". */
export const nextSpec = (name: string, template: string, words: readonly string[]) => `import { behaviour, next } from '${repo}/harness/spec/index.ts';
const words = ${JSON.stringify(words)};
export default behaviour('${name}', { description: 'test', probes: words.map((w) => next(\`${template}\`, \` \${w}\`)) });
`;

/** vitest.config.ts of a scratch project whose `behaviours` project runs on lmb's global setup and test registration. */
export function writeBehavioursConfig(project: string): void {
  writeFileSync(join(project, 'vitest.config.ts'), `import { defineConfig } from 'vitest/config';
export default defineConfig({ test: { projects: [{ test: {
  name: 'behaviours', include: ['behaviours/**/*.behaviour.ts'],
  globalSetup: ['${repo}/harness/vitest/global-setup.ts'], setupFiles: ['${repo}/harness/vitest/register.ts'],
} }] } });
`);
}
