import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { FALLBACK_SECTION, matchPattern, SECTION_KINDS, type SectionKind } from './sections.js';

export interface ReportPart {
  /** Relative to the snapshot folder, with `/`. */
  file: string;
  kind: 'svg' | 'markdown';
  text: string;
}

export interface ReportSection {
  /** Unique in the report: the page anchor. */
  id: string;
  title: string;
  /** `.` or a subfolder of the snapshot folder. */
  folder: string;
  parts: ReportPart[];
}

const PART_KINDS: Record<string, ReportPart['kind']> = { '.svg': 'svg', '.md': 'markdown' };

/** The report's sections, in SECTION_KINDS order then unknown folders by name; sections without a file present are left out. */
export function collectSections(dir: string, kinds: readonly SectionKind[] = SECTION_KINDS): ReportSection[] {
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  const found: Omit<ReportSection, 'id'>[] = [];
  for (const kind of kinds) {
    for (const folder of ['.', ...folders]) {
      const matched = matchPattern(kind.folder, folder);
      if (matched !== undefined) found.push(section(dir, folder, kind, matched));
    }
  }
  for (const folder of folders) {
    if (!kinds.some((k) => matchPattern(k.folder, folder) !== undefined)) found.push(section(dir, folder, FALLBACK_SECTION, folder));
  }
  const ids = new Set<string>();
  return found.filter((s) => s.parts.length > 0).map((s) => ({ id: uniqueId(slug(s.title), ids), ...s }));
}

function section(dir: string, folder: string, kind: SectionKind, matched: string): Omit<ReportSection, 'id'> {
  const names = readdirSync(join(dir, folder), { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name).sort();
  const picked: string[] = [];
  for (const pattern of kind.files) {
    for (const name of names) if (!picked.includes(name) && matchPattern(pattern, name) !== undefined && PART_KINDS[extname(name)]) picked.push(name);
  }
  return {
    title: kind.title.replace('*', matched),
    folder,
    parts: picked.map((name) => ({
      file: folder === '.' ? name : `${folder}/${name}`,
      kind: PART_KINDS[extname(name)],
      text: readFileSync(join(dir, folder, name), 'utf8'),
    })),
  };
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'section';

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}
