import cliProgress from 'cli-progress';
import type { DownloadProgress, ProgressListener } from './progress.js';

export interface DownloadBars {
  /** Feed it every progress report (e.g. `watchDownloads(bars.update)`); a file's bar goes away when it completes. */
  readonly update: ProgressListener;
  /** Draws the last state and gives the terminal back. */
  stop(): void;
}

export interface DownloadBarsOptions {
  /** Default: stderr. */
  readonly stream?: NodeJS.WritableStream;
  /** Also draw (every `notTTYSchedule` ms) when the stream is not a terminal. */
  readonly noTTYOutput?: boolean;
  /** Draw into this multi-bar (shared with other bars) instead of a new one. */
  readonly multi?: cliProgress.MultiBar;
}

/** One bar per file being downloaded: bytes done and total, and the time left. */
export function downloadBars(opts: DownloadBarsOptions = {}): DownloadBars {
  const multi = opts.multi ?? new cliProgress.MultiBar({
    stream: opts.stream ?? process.stderr,
    noTTYOutput: opts.noTTYOutput ?? false,
    format: '{label} |{bar}| {doneBytes} / {totalBytes} | ETA {eta_formatted}',
    hideCursor: true,
    etaBuffer: 50,
    fps: 5,
  });
  const bars = new Map<string, cliProgress.SingleBar>();
  const update = (p: DownloadProgress) => {
    const key = `${p.repo}@${p.revision}/${p.file}`;
    const total = p.total ?? 0;
    const payload = { label: `${p.repo.split('/').pop()}@${p.revision} ${p.file}`, doneBytes: formatBytes(p.done), totalBytes: p.total === undefined ? '?' : formatBytes(total) };
    let bar = bars.get(key);
    if (!bar) bars.set(key, (bar = multi.create(total, p.done, payload)));
    bar.setTotal(total);
    bar.update(p.done, payload);
    if (p.total !== undefined && p.done >= p.total) {
      multi.remove(bar);
      bars.delete(key);
    }
  };
  return { update, stop: () => multi.stop() };
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units, as the hub shows sizes: `999 B`, `1.5 kB`, `548.1 MB`. */
export function formatBytes(n: number): string {
  let unit = 0;
  while (n >= 1000 && unit < UNITS.length - 1) {
    n /= 1000;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${n.toFixed(1)} ${UNITS[unit]}`;
}
