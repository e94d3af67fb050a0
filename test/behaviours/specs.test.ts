import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { behaviour, expandProbes, type Behaviour, type ProbeContext, type ProbeSource } from '../../harness/spec/behaviour.js';
import { loadBehaviours } from '../../harness/spec/load.js';
import type { Check, Probe } from '../../harness/spec/probe.js';
import { loadTokenizer } from '../../harness/tokenize/tokenizer.js';

/** The shipped behaviour specs: enough probes, stable ids, checks that accept and reject the right texts. */
const DIR = join(import.meta.dirname, '..', '..', 'behaviours');
const tokenizer = loadTokenizer(join(import.meta.dirname, '..', 'fixtures', 'gpt2-tokenizer'));
const ctx: ProbeContext = { tokenizer, vocabSize: tokenizer.vocabSize };

const NAMES = ['acronyms', 'capitalisation', 'emails', 'facts', 'induction', 'language-continuation', 'memorisation',
  'memorisation-control', 'parentheses', 'punctuation'];

let behaviours: Behaviour[];
const probes = new Map<string, Probe[]>();
beforeAll(async () => {
  behaviours = await loadBehaviours(DIR);
  for (const b of behaviours) probes.set(b.name, expandProbes(b, ctx));
});

const of = (name: string) => probes.get(name)!;
const checkOf = (p: Probe): Check => {
  if (p.judge.kind !== 'continuation') throw new Error(`${p.id} is not a continuation probe`);
  return p.judge.check;
};
const sourcesOf = (b: Behaviour): readonly ProbeSource[] =>
  Array.isArray(b.probes) && b.probes.length > 0 && !('prompt' in b.probes[0]) ? (b.probes as readonly ProbeSource[]) : [b.probes as ProbeSource];
const isGenerated = (s: ProbeSource) => typeof s === 'object' && !Array.isArray(s) && 'arbitrary' in s;

describe('every shipped behaviour', () => {
  it('loads from behaviours/, one per file, under its file name', () => {
    expect(behaviours.map((b) => b.name).sort()).toEqual(NAMES);
    for (const b of behaviours) expect(b.file).toMatch(new RegExp(`behaviours/${b.name}\\.behaviour\\.ts$`));
  });

  it('has at least 100 probes, and at least 200 where they are generated', () => {
    for (const b of behaviours) {
      expect(of(b.name).length, b.name).toBeGreaterThanOrEqual(100);
      const generated = sourcesOf(b).filter(isGenerated);
      if (generated.length === 0) continue;
      const count = expandProbes(behaviour(b.name, { description: '', probes: generated }), ctx).length;
      expect(count, `${b.name}: generated probes`).toBeGreaterThanOrEqual(200);
    }
  });

  it('gives every probe its own id, and the same ids in the same order on a second expansion', () => {
    for (const b of behaviours) {
      const ids = of(b.name).map((p) => p.id);
      expect(new Set(ids).size, b.name).toBe(ids.length);
      expect(expandProbes(b, ctx).map((p) => p.id), b.name).toEqual(ids);
    }
  });

  it('keeps probes cheap: short prompts, at most 16 generated tokens, sequences within 80 tokens', () => {
    for (const b of behaviours) {
      for (const p of of(b.name)) {
        const prompt = typeof p.prompt === 'string' ? tokenizer.encode(p.prompt).length : p.prompt.ids.length;
        expect(prompt, `${b.name} ${p.id}`).toBeLessThanOrEqual(64);
        const j = p.judge;
        if (j.kind === 'continuation') expect(j.maxTokens).toBeLessThanOrEqual(16);
        const extra = j.kind === 'next' ? tokenizer.encode(j.expected).length
          : j.kind === 'choice' ? Math.max(...j.options.map((o) => tokenizer.encode(o).length))
            : j.kind === 'continuation' ? j.maxTokens
              : 2 * (typeof j.segment === 'string' ? tokenizer.encode(j.segment).length : j.segment.ids.length);
        expect(prompt + extra, `${b.name} ${p.id}`).toBeLessThanOrEqual(80);
      }
    }
  });

  it('imports only the DSL, node:fs, node:path and franc, and reads data from its own folder', () => {
    for (const f of readdirSync(DIR).filter((n) => n.endsWith('.behaviour.ts'))) {
      const source = readFileSync(join(DIR, f), 'utf8');
      const imports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
      for (const i of imports) expect(['../harness/spec/index.js', 'node:fs', 'node:path', 'franc'], `${f} imports ${i}`).toContain(i);
      expect(source, f).not.toMatch(/shared\//);
    }
  });

  it('sets floors only for the GPT-2 suites', () => {
    const floored = behaviours.filter((b) => b.floors?.length);
    expect(floored.map((b) => b.name).sort()).toEqual(['induction', 'parentheses']);
    for (const b of floored) for (const f of b.floors!) expect(f.suites).toEqual(['crfm-gpt2-small', 'crfm-gpt2-medium']);
  });
});

describe('parentheses', () => {
  /** The closing sequence the prompt needs, from a stack of the brackets it opens. */
  const closing = (prompt: string) => {
    const stack: string[] = [];
    for (const c of prompt) {
      if ('([{'.includes(c)) stack.push({ '(': ')', '[': ']', '{': '}' }[c]!);
      else if (')]}'.includes(c)) expect(stack.pop()).toBe(c);
    }
    return stack.reverse().join('');
  };

  it('expects exactly the closing sequence the prompt needs, at depths 1 to 4', () => {
    const depths = new Set<string>();
    for (const p of of('parentheses')) {
      const want = closing(p.prompt as string);
      const depth = p.tags!.find((t) => t.startsWith('depth:'))!;
      depths.add(depth);
      expect(depth).toBe(`depth:${want.length}`);
      if (p.judge.kind === 'next') expect(p.judge.expected).toBe(want);
      else if (p.judge.kind === 'choice') {
        expect(p.judge.options[p.judge.answer]).toBe(want);
        for (const o of p.judge.options) expect(o).toMatch(new RegExp(`^[)\\]}]{${want.length}}$`));
      } else throw new Error(`unexpected judge ${p.judge.kind}`);
    }
    expect([...depths].sort()).toEqual(['depth:1', 'depth:2', 'depth:3', 'depth:4']);
  });
});

describe('capitalisation', () => {
  it('pits the capitalised word against its lower-case form after . ? ! and line breaks', () => {
    const ps = of('capitalisation');
    for (const p of ps) {
      if (p.judge.kind !== 'choice') throw new Error('expected choice');
      const [upper, lower] = p.judge.options;
      expect(p.judge.answer).toBe(0);
      expect(upper).toMatch(/^[ \n]?[A-Z][a-z]+$/);
      expect(lower).toBe(upper.toLowerCase());
    }
    for (const after of ['period', 'question', 'exclamation', 'newline']) {
      expect(ps.filter((p) => p.tags!.includes(`after:${after}`)).length, after).toBeGreaterThanOrEqual(30);
    }
    const team = ps.find((p) => (p.prompt as string).endsWith('left the site Friday afternoon.'))!;
    expect(team.judge).toEqual({ kind: 'choice', options: [' The', ' the'], answer: 0 });
    const verse = ps.find((p) => (p.prompt as string).startsWith('ROMEO:\nWho is already sick and pale with grief,'))!;
    expect(verse.judge).toEqual({ kind: 'choice', options: ['It', 'it'], answer: 0 });
  });
});

describe('punctuation', () => {
  it('balances questions and statements, and open quotes and none', () => {
    const ps = of('punctuation');
    const count = (tag: string) => ps.filter((p) => p.tags!.includes(tag)).length;
    expect(count('kind:final-mark')).toBeGreaterThanOrEqual(100);
    expect(count('quote:open')).toBeGreaterThanOrEqual(40);
    expect(count('quote:none')).toBeGreaterThanOrEqual(40);
    const open = ps.find((p) => p.prompt === '"I\'ve never been in a situation like this. This is quite ridiculous')!;
    expect(open.judge).toEqual({ kind: 'choice', options: [',"', ','], answer: 0 });
    expect(ps.find((p) => p.prompt === 'Are you in Haiti and safe')!.judge).toEqual({ kind: 'choice', options: ['.', '?', '!'], answer: 1 });
  });
});

describe('emails', () => {
  it('accepts the rest of an address with @ and a dotted domain, and nothing else', () => {
    const check = checkOf(of('emails')[0]);
    for (const yes of ['@gmail.com', '@example.co.uk>', '.smith@university.edu for details', 'son@mail.example.net.']) expect(check.test(yes), yes).toBe(true);
    for (const no of [' or call 555-1234', '@gmail', ' at gmail.com', '', 'smith at example dot com', '@.com', ' @gmail.com']) expect(check.test(no), no).toBe(false);
    const prompts = of('emails').map((p) => p.prompt);
    expect(prompts).toContain('Questions? Email us at info');
    for (const p of prompts) expect(p).not.toMatch(/@/);
  });
});

describe('language-continuation', () => {
  const ps = () => of('language-continuation');
  const udhr = join(DIR, 'data', 'udhr');
  const sentences = () => readdirSync(udhr).filter((f) => f.endsWith('.txt') && f !== 'LICENSE.txt')
    .flatMap((f) => readFileSync(join(udhr, f), 'utf8').split('\n').filter((l) => l.includes('\t')).map((l) => l.slice(l.indexOf('\t') + 1).trim()));

  it('has 10 sentences in each of the 10 languages', () => {
    const langs = new Map<string, number>();
    for (const p of ps()) for (const t of p.tags!) langs.set(t, (langs.get(t) ?? 0) + 1);
    expect(Object.fromEntries(langs)).toEqual(Object.fromEntries(['fra', 'deu', 'spa', 'ita', 'por', 'nld', 'rus', 'pol', 'jpn', 'cmn'].map((c) => [`lang:${c}`, 10])));
  });

  it('accepts the real next 16 tokens of nearly every sentence, and rejects English, another language and too little text', () => {
    const all = sentences();
    let accepted = 0;
    for (const p of ps()) {
      const prompt = p.prompt as string;
      const sentence = all.find((s) => s.startsWith(prompt))!;
      const context = tokenizer.encode(prompt);
      const real = tokenizer.decode(tokenizer.encode(sentence).slice(context.length, context.length + 16));
      if (checkOf(p).test(real)) accepted++;
      const check = checkOf(p);
      expect(check.test('Everyone has the right to life, liberty and security of person.'), check.name).toBe(false);
      expect(check.test('1948 ... 12.'), check.name).toBe(false);
      expect(check.test(''), check.name).toBe(false);
    }
    // franc errs on a few short texts (an all-kanji Japanese phrase reads as Chinese).
    expect(accepted / ps().length).toBeGreaterThanOrEqual(0.95);
    const french = ps().find((p) => p.tags!.includes('lang:fra'))!;
    expect(checkOf(french).test(' et de leurs droits égaux et inaliénables constitue le fondement de la liberté')).toBe(true);
    expect(checkOf(french).test(' und gleichen und unveräußerlichen Rechte die Grundlage der Freiheit')).toBe(false);
  });
});

describe('acronyms', () => {
  it('goes from expansion to acronym and back', () => {
    const ps = of('acronyms');
    expect(ps.find((p) => p.prompt === 'Work In Progress (')!.judge).toEqual({ kind: 'next', expected: 'WIP' });
    const back = ps.find((p) => p.prompt === 'WIP stands for')!;
    if (back.judge.kind !== 'choice') throw new Error('expected choice');
    expect(back.judge.options).toHaveLength(4);
    expect(back.judge.options[back.judge.answer]).toBe(' Work In Progress');
    // The data's descriptions and alternatives ("DI/DIP", "In graph theory ...") are not probes.
    expect(ps.some((p) => (p.prompt as string).includes('/') || (p.prompt as string).startsWith('In graph theory'))).toBe(false);
  });
});

describe('memorisation and its control', () => {
  it('continues famous lines and OpenWebText passages', () => {
    const ps = of('memorisation');
    expect(ps.find((p) => p.prompt === 'To be, or not to be, that is')!.judge).toEqual({ kind: 'next', expected: ' the question' });
    expect(ps.filter((p) => p.tags!.includes('kind:verbatim')).length).toBe(60);
    const web = readFileSync(join(DIR, 'data', 'openwebtext', 'openwebtext_first100docs.txt'), 'utf8');
    for (const p of ps.filter((q) => q.tags!.includes('kind:verbatim'))) {
      if (p.judge.kind !== 'next') throw new Error('expected next');
      expect(web).toContain(`${p.prompt}${p.judge.expected}`);
    }
  });

  it('the control is made of passages that appear in none of the data', () => {
    const ps = of('memorisation-control');
    const web = readFileSync(join(DIR, 'data', 'openwebtext', 'openwebtext_first100docs.txt'), 'utf8');
    for (const p of ps) {
      if (p.judge.kind !== 'next') throw new Error('expected next');
      expect(web).not.toContain(p.judge.expected.trim());
    }
    expect(ps.filter((p) => p.tags!.includes('kind:passage-shape')).length).toBeGreaterThanOrEqual(100);
  });
});

describe('induction', () => {
  it('repeats 20-30 usable random tokens after end-of-text, and natural sentences', () => {
    const ps = of('induction');
    const random = ps.filter((p) => p.tags!.includes('kind:random-tokens'));
    expect(random.length).toBe(200);
    for (const p of random) {
      if (p.judge.kind !== 'copying' || typeof p.judge.segment === 'string') throw new Error('expected token copying');
      const ids = p.judge.segment.ids;
      expect(p.prompt).toEqual({ ids: [tokenizer.eosId] });
      expect(ids.length).toBeGreaterThanOrEqual(20);
      expect(ids.length).toBeLessThanOrEqual(30);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(tokenizer.encode(tokenizer.decode([id]))).toEqual([id]);
    }
    const natural = ps.filter((p) => p.tags!.includes('kind:natural-text'));
    expect(natural.length).toBe(100);
    for (const p of natural) expect(p.judge).toMatchObject({ kind: 'copying', minAccuracy: 0.8 });
  });

  it('draws random tokens from the family\'s own vocabulary', () => {
    const small: ProbeContext = { tokenizer, vocabSize: 500 };
    const b = behaviours.find((x) => x.name === 'induction')!;
    for (const p of expandProbes(b, small).filter((q) => q.tags!.includes('kind:random-tokens'))) {
      if (p.judge.kind !== 'copying' || typeof p.judge.segment === 'string') throw new Error('expected token copying');
      for (const id of p.judge.segment.ids) expect(id).toBeLessThan(500);
    }
  });
});

describe('facts', () => {
  it('asks capitals and continents, greedy and among four', () => {
    const ps = of('facts');
    const about = (prompt: string) => ps.filter((p) => p.prompt === prompt).map((p) => p.judge);
    const capital = about('The capital of France is');
    expect(capital).toContainEqual({ kind: 'next', expected: ' Paris' });
    const among = capital.find((j) => j.kind === 'choice')!;
    if (among.kind !== 'choice') throw new Error('expected choice');
    expect(among.options).toHaveLength(4);
    expect(among.options[among.answer]).toBe(' Paris');
    expect(new Set(among.options).size).toBe(4);
    expect(about('The capital of the United Kingdom is')).toContainEqual({ kind: 'next', expected: ' London' });
    expect(about('Japan is a country on the continent of')).toContainEqual({ kind: 'next', expected: ' Asia' });
    // A capital that repeats the country's name would be a copy, not a fact.
    expect(ps.some((p) => (p.prompt as string).includes('Singapore'))).toBe(false);
  });
});
