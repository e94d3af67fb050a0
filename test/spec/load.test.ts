import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBehaviours } from '../../harness/spec/load.js';

const repo = join(import.meta.dirname, '..', '..');
mkdirSync(join(repo, '.cache'), { recursive: true });
const root = mkdtempSync(join(repo, '.cache', 'spec-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dsl = join(repo, 'harness', 'spec', 'index.ts');
const spec = (name: string) => `import { behaviour, next } from '${dsl}';\nexport default behaviour('${name}', { description: '', probes: [next('a', 'b')] });\n`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'b-'));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

describe('loadBehaviours', () => {
  it('loads every *.behaviour.ts in file order and remembers each file', async () => {
    const dir = folder({ 'b.behaviour.ts': spec('bee'), 'a.behaviour.ts': spec('ay'), 'notes.ts': 'export default 1;' });
    const bs = await loadBehaviours(dir);
    expect(bs.map((b) => b.name)).toEqual(['ay', 'bee']);
    expect(bs[0].file).toMatch(/a\.behaviour\.ts$/);
    expect((await loadBehaviours(dir, ['bee'])).map((b) => b.name)).toEqual(['bee']);
  });

  it('two files defining one name are refused, naming both', async () => {
    const dir = folder({ 'one.behaviour.ts': spec('same'), 'two.behaviour.ts': spec('same') });
    await expect(loadBehaviours(dir)).rejects.toMatchObject({
      code: 'SPEC_DUPLICATE',
      message: expect.stringMatching(/two\.behaviour\.ts and .*one\.behaviour\.ts both define behaviour "same"/),
    });
  });

  it('a spec that throws while loading, or exports no behaviour, is a one-line error naming the file', async () => {
    const throws = folder({ 'bad.behaviour.ts': `throw new Error('data file missing');\n` });
    await expect(loadBehaviours(throws)).rejects.toMatchObject({
      code: 'SPEC_FAILED',
      message: expect.stringMatching(/bad\.behaviour\.ts threw while loading: data file missing$/),
    });
    const wrong = folder({ 'odd.behaviour.ts': 'export default { hello: 1 };\n' });
    await expect(loadBehaviours(wrong)).rejects.toMatchObject({ code: 'SPEC_INVALID', message: expect.stringContaining('odd.behaviour.ts does not default-export a behaviour') });
    await expect(loadBehaviours(join(root, 'missing'))).rejects.toMatchObject({ code: 'FILE_MISSING' });
  });

  it('a badly named behaviour is refused when declared', async () => {
    const dir = folder({ 'caps.behaviour.ts': spec('Has Spaces') });
    await expect(loadBehaviours(dir)).rejects.toMatchObject({ code: 'SPEC_FAILED', message: expect.stringContaining('must be lower-case words joined by "-"') });
  });
});
