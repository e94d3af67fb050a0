import type { CheckpointRef } from './suite.js';

export type Fetched =
  /** `dir`: what `ref.fetch` returned, the checkpoint's local directory. */
  | { readonly ref: CheckpointRef; readonly dir: string; readonly absent?: undefined }
  /** The fetch failed with an error `isAbsent` accepts: the checkpoint is not there to fetch. */
  | { readonly ref: CheckpointRef; readonly dir?: undefined; readonly absent: unknown };

/**
 * Yields each checkpoint's local directory, in order, while the next `ahead` checkpoints are
 * being fetched, so downloads overlap the caller's work on the current one. Bounds: at most
 * max(ahead, 1) fetches run at once, and none starts more than `ahead` checkpoints past the one
 * the caller is on (so at most ahead + 1 fetched checkpoints wait on disk). A failed fetch is
 * thrown when the caller reaches that checkpoint, unless `isAbsent` accepts its error: then it is
 * yielded as `absent`. Leaving the loop early, a thrown error, or aborting `signal` aborts the
 * fetches still running.
 */
export async function* lookahead(refs: readonly CheckpointRef[], ahead: number, signal?: AbortSignal,
  isAbsent: (error: unknown) => boolean = () => false): AsyncGenerator<Fetched> {
  const stop = new AbortController();
  const forward = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', forward, { once: true });
  if (signal?.aborted) forward();

  const maxRunning = Math.max(1, Math.floor(ahead));
  const fetches: Promise<string>[] = [];
  let running = 0;
  let current = 0;
  const fill = () => {
    while (fetches.length < refs.length && fetches.length <= current + ahead && running < maxRunning) {
      const ref = refs[fetches.length];
      running++;
      const p = new Promise<string>((res) => res(ref.fetch(stop.signal)));
      const settled = () => {
        running--;
        fill();
      };
      p.then(settled, settled);
      fetches.push(p);
    }
  };

  try {
    for (; current < refs.length; current++) {
      fill();
      const fetched = await untilAborted(fetches[current], stop.signal).then(
        (dir): Fetched => ({ ref: refs[current], dir }),
        (e: unknown): Fetched => {
          if (!stop.signal.aborted && isAbsent(e)) return { ref: refs[current], absent: e };
          throw e;
        });
      yield fetched;
    }
  } finally {
    signal?.removeEventListener('abort', forward);
    if (!stop.signal.aborted) stop.abort(new Error('lookahead: the caller stopped iterating'));
  }
}

/** `p`, or the abort reason as soon as `signal` aborts, even if whatever makes `p` ignores the signal. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((res, rej) => {
    const onAbort = () => rej(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(res, rej).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
