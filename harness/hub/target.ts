/** What a request is about, so every hub error names the repo, revision and file involved. */
export interface HubTarget {
  readonly repo: string;
  readonly revision?: string;
  readonly file?: string;
}

export function describeTarget(t: HubTarget): string {
  return [t.repo, t.revision && `revision ${t.revision}`, t.file && `file ${t.file}`].filter(Boolean).join(' ');
}
