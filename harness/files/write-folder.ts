import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes each named file into `dir`, making the folder if it is missing. */
export function writeFolder(dir: string, files: Record<string, string | Uint8Array>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}
