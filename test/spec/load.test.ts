import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { expandProbes } from '../../harness/spec/behaviour.js';
import { loadBehaviours } from '../../harness/spec/load.js';
import { loadTokenizer } from '../../harness/tokenize/tokenizer.js';

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
    expect(bs[0].file).toBe(relative(process.cwd(), join(dir, 'a.behaviour.ts')));
    expect((await loadBehaviours(dir, { only: ['bee'] })).map((b) => b.name)).toEqual(['bee']);
  });

  it('shows files relative to the root it is given', async () => {
    const dir = folder({ 'a.behaviour.ts': spec('ay') });
    expect((await loadBehaviours(dir, { root: dir }))[0].file).toBe('a.behaviour.ts');
    expect((await loadBehaviours(dir, { root: repo }))[0].file).toBe(relative(repo, join(dir, 'a.behaviour.ts')));
    const other = folder({ 'a.behaviour.ts': spec('one'), 'b.behaviour.ts': 'export default { hello: 1 };\n' });
    await expect(loadBehaviours(other, { root: other })).rejects.toMatchObject({ code: 'SPEC_INVALID', message: 'b.behaviour.ts does not default-export a behaviour' });
    await expect(loadBehaviours(dir, { root: dir, only: ['nope'] })).rejects.toMatchObject({ code: 'BEHAVIOUR_UNKNOWN', message: 'no behaviour named "nope" in .', fix: 'Known: ay' });
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
    await expect(loadBehaviours(join(root, 'missing'), { root })).rejects.toMatchObject({
      code: 'FILE_MISSING',
      message: `behaviour folder ${join(root, 'missing')} does not exist`,
      fix: 'Run lmb inside the project (the folder with package.json and behaviours/), or pass --root',
    });
  });

  it('a badly named behaviour is refused when declared', async () => {
    const dir = folder({ 'caps.behaviour.ts': spec('Has Spaces') });
    await expect(loadBehaviours(dir)).rejects.toMatchObject({ code: 'SPEC_FAILED', message: expect.stringContaining('must be lower-case words joined by "-"') });
  });
});

describe('spec contracts checked at load', () => {
  const head = `import { behaviour, choice, fc, next } from '${dsl}';\n`;
  it('a builder given a degenerate probe is PROBE_INVALID naming the file and the builder', async () => {
    const dir = folder({ 'bad.behaviour.ts': `${head}export default behaviour('bad', { description: '', probes: [choice('Pick one', [' a'], 0)] });\n` });
    await expect(loadBehaviours(dir, { root: dir })).rejects.toMatchObject({
      code: 'PROBE_INVALID',
      message: 'bad.behaviour.ts: choice: needs at least two options, got [" a"] (prompt "Pick one")',
    });
  });

  it('a degenerate plain object in a list, or a bare probe where a source belongs, is refused naming the file', async () => {
    const raw = folder({ 'raw.behaviour.ts': `${head}export default behaviour('raw', { description: '', probes: [next('a', ' b'), { prompt: '', judge: { kind: 'next', expected: ' c' } }] });\n` });
    await expect(loadBehaviours(raw, { root: raw })).rejects.toMatchObject({ code: 'PROBE_INVALID', message: 'raw.behaviour.ts: behaviour "raw", probes[1] next: the prompt is empty' });
    const bare = folder({ 'bare.behaviour.ts': `${head}export default behaviour('bare', { description: '', probes: [[next('a', ' b')], next('c', ' d')] });\n` });
    await expect(loadBehaviours(bare, { root: bare })).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: 'bare.behaviour.ts: behaviour "bare": probes[1] is a single next probe (prompt "c") where a source of probes belongs',
    });
    const seedless = folder({ 'gen.behaviour.ts': `${head}export default behaviour('gen', { description: '', probes: { arbitrary: fc.nat().map((n) => next(String(n), ' x')), count: 5 } });\n` });
    await expect(loadBehaviours(seedless, { root: seedless })).rejects.toMatchObject({ code: 'SPEC_INVALID', message: 'gen.behaviour.ts: behaviour "gen": probes.seed is undefined, not an integer' });
  });

  it('fc.configureGlobal in one spec changes neither the probes of the specs after it nor the caller\'s configuration', async () => {
    // baseSize fixes fc.array's lengths when the arbitrary is made; unbiased and randomType change every draw.
    const meddling = `${head}fc.configureGlobal({ baseSize: 'xlarge', unbiased: true, randomType: 'mersenne', numRuns: 3 });\n`
      + "export default behaviour('meddling', { description: '', probes: [next('a', ' b')] });\n";
    const lists = `${head}export default behaviour('lists', { description: '', probes: { seed: 7, count: 30,\n`
      + "  arbitrary: fc.array(fc.nat(99)).map((xs) => next(`Sum of [${xs.join(', ')}] is`, ' x')) } });\n";
    const tokenizer = loadTokenizer(join(repo, 'test', 'fixtures', 'gpt2-tokenizer'));
    const ids = async (dir: string) => {
      const b = (await loadBehaviours(dir, { only: ['lists'] }))[0];
      return expandProbes(b, { tokenizer, vocabSize: tokenizer.vocabSize }).map((p) => p.id);
    };
    const caller = fc.readConfigureGlobal();
    try {
      const mine = { numRuns: 17 };
      fc.configureGlobal(mine);
      const alone = await ids(folder({ 'lists.behaviour.ts': lists }));
      const after = await ids(folder({ 'a-meddling.behaviour.ts': meddling, 'lists.behaviour.ts': lists }));
      expect(after).toEqual(alone);
      expect(fc.readConfigureGlobal()).toBe(mine);
    } finally {
      fc.configureGlobal(caller);
    }
  });
});
