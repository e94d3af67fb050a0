/** Bytes of one file transferred so far; `total` is missing when neither the hub nor the server said. */
export interface DownloadProgress {
  readonly repo: string;
  readonly revision: string;
  readonly file: string;
  readonly done: number;
  readonly total?: number;
}

export type ProgressListener = (p: DownloadProgress) => void;

const watchers = new Set<ProgressListener>();

/**
 * Every download in this process also reports here, so the CLI can show bars for downloads
 * that suites start on their own. Returns the function that stops watching.
 */
export function watchDownloads(listener: ProgressListener): () => void {
  watchers.add(listener);
  return () => watchers.delete(listener);
}

export function reportProgress(p: DownloadProgress, own?: ProgressListener): void {
  own?.(p);
  for (const w of watchers) w(p);
}
