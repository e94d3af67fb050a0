/**
 * What the HTML report shows of a suite's snapshot folder, as data: a new analysis folder needs
 * one row here. `folder` is `.` (the snapshot folder itself) or a subfolder name, where `*` matches
 * any run of characters; `title` may use `*` for what it matched; `files` are shown in order, each
 * a name or a pattern (`*.svg`), and a file that is not there is left out. A folder gets a section
 * for every row that matches it; a subfolder no row matches gets FALLBACK_SECTION.
 */
export interface SectionKind {
  readonly folder: string;
  readonly title: string;
  readonly files: readonly string[];
}

export const SECTION_KINDS: readonly SectionKind[] = [
  { folder: '.', title: 'Pass rates', files: ['heatmap.svg', 'matrix.md'] },
  { folder: '.', title: 'Convergence between runs', files: ['emergence.svg', 'convergence.md'] },
  { folder: 'curves', title: 'Learning curves', files: ['curves.svg', 'curves.md'] },
  { folder: 'pca', title: 'PCA of per-token loss', files: ['variance.svg', 'loadings.svg', 'pca.md'] },
  { folder: 'induction', title: 'Induction heads', files: ['induction.svg', 'induction.md'] },
  { folder: 'audit', title: 'Checkpoint audit', files: ['audit.md'] },
  { folder: 'scatter-*', title: 'Scatter: *', files: ['scatter.svg', 'scatter.md'] },
];

/** For an analysis folder the table does not know yet: its charts, then its text. */
export const FALLBACK_SECTION: SectionKind = { folder: '*', title: '*', files: ['*.svg', '*.md'] };

/** What `*` matched when `name` fits `pattern`, else undefined. */
export function matchPattern(pattern: string, name: string): string | undefined {
  const [head, ...rest] = pattern.split('*');
  const re = new RegExp(`^${escapeRegExp(head)}${rest.map((p) => `(.*)${escapeRegExp(p)}`).join('')}$`);
  const m = re.exec(name);
  return m ? (m[1] ?? '') : undefined;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
