import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');

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
