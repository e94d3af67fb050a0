import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lmbProgram } from '../harness/cli/main.js';
import { ERROR_CODES, thrownLine } from '../harness/errors.js';

const repo = join(import.meta.dirname, '..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

/** The text of every `new LmbError(...)` call in the library: its code, message and fix. */
function errorCalls(): { file: string; text: string }[] {
  return sources(join(repo, 'harness')).flatMap((file) => {
    const s = readFileSync(file, 'utf8');
    const calls: { file: string; text: string }[] = [];
    for (let at = s.indexOf('new LmbError('); at >= 0; at = s.indexOf('new LmbError(', at + 1)) {
      let depth = 0;
      let end = at + 'new LmbError'.length;
      for (; end < s.length; end++) {
        if (s[end] === '(') depth++;
        else if (s[end] === ')' && --depth === 0) break;
      }
      calls.push({ file, text: s.slice(at, end) });
    }
    return calls;
  });
}

/** Flags of other tools that fix texts name, with the tool's name, which the text must say too. */
const OTHER_TOOLS: Record<string, string> = { '--project': 'vitest', '--task': 'Optimum', '--version': 'export.py' };

describe('error codes', () => {
  it('follow one naming rule: the thing first, then what is wrong with it, in capitals', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
    const verbFirst = Object.keys(ERROR_CODES).filter((c) => /^(BAD|UNKNOWN|NO|NOTHING|TOO|EMPTY|UNSUPPORTED|INVALID|MISSING)_/.test(c));
    expect(verbFirst).toEqual([]);
  });

  it('are each in the README\'s table, which lists no other', () => {
    const section = readme.slice(readme.indexOf('## Error codes'));
    const documented = [...section.slice(0, section.indexOf('\n## ', 3)).matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(50);
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('are each raised somewhere, and every raise uses a code of the table', () => {
    const calls = errorCalls();
    expect(calls.length).toBeGreaterThan(100);
    const raised = new Set(calls.flatMap((c) => [...c.text.matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]).filter((x) => x in ERROR_CODES)));
    expect(Object.keys(ERROR_CODES).filter((c) => !raised.has(c))).toEqual([]);
  });

  it('fix texts name only flags that exist: lmb\'s own, or another tool\'s that the text names', () => {
    const program = lmbProgram();
    const ours = new Set([program, ...program.commands].flatMap((c) => c.options.map((o) => o.long)));
    const named = errorCalls().flatMap(({ file, text }) => [...text.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)].map((m) => ({ file, flag: m[1], text })));
    expect(named.length).toBeGreaterThan(20);
    for (const { file, flag, text } of named) {
      if (ours.has(flag)) continue;
      expect(OTHER_TOOLS[flag], `${file} names ${flag}, which no lmb command has`).toBeDefined();
      expect(text, `${file}: ${flag} is ${OTHER_TOOLS[flag]}'s; the text should say so`).toContain(OTHER_TOOLS[flag]);
    }
  });
});

describe('thrownLine', () => {
  it('makes what spec code or a tool threw one plain line: colour codes and control characters gone', () => {
    const esbuild = new Error('Transform failed with 1 error:\n\u001b[31m[PARSE_ERROR] \u001b[0mExpected ";"\n  ╭─[ w.behaviour.ts:1:7 ]');
    expect(thrownLine(esbuild)).toBe('Transform failed with 1 error: [PARSE_ERROR] Expected ";" ╭─[ w.behaviour.ts:1:7 ]');
  });
});

describe('environment variables', () => {
  it('every variable the library reads is in the README\'s table', () => {
    const section = readme.slice(readme.indexOf('## Environment variables'));
    const table = section.slice(0, section.indexOf('\n## ', 3));
    const read = new Set(sources(join(repo, 'harness')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1])));
    expect(read.size).toBeGreaterThan(10);
    for (const name of read) expect(table, name).toContain(`\`${name}\``);
  });
});
