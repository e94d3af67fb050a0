import cliProgress from 'cli-progress';
import { downloadBars } from '../hub/progress-bars.js';
import { watchDownloads } from '../hub/progress.js';
import type { Progress } from '../run/runner.js';

/**
 * Shows evaluation progress on stderr. On a terminal: a checkpoints bar with ETA, and a bar per
 * file while checkpoints download. Otherwise (CI logs): one line per checkpoint.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  let multi: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let unwatch: (() => void) | undefined;
  return (p) => {
    if (p.type === 'start') {
      if (stream.isTTY) {
        multi = new cliProgress.MultiBar({ stream, hideCursor: true, fps: 5, format: '{label} |{bar}| {value}/{total} | ETA {eta_formatted}' });
        bar = multi.create(p.total, 0, { label: 'checkpoints' });
        unwatch = watchDownloads(downloadBars({ multi }).update);
      } else stream.write(`lmb: evaluating ${p.probes} probes on ${p.total} checkpoint${p.total === 1 ? "" : "s"}\n`);
      return;
    }
    if (bar && multi) {
      bar.update(p.index + 1, { label: `checkpoints (${p.run} @ ${p.step}: ${p.computed} computed, ${p.cached} cached)` });
      if (p.index + 1 === p.total) {
        unwatch?.();
        multi.stop();
      }
    } else {
      stream.write(`lmb: [${p.index + 1}/${p.total}] ${p.run} @ step ${p.step}: ${p.computed} computed, ${p.cached} cached\n`);
    }
  };
}

/** A one-line status on a terminal, rewritten in place; silent when stderr is not a terminal. */
export function statusLine(stream: NodeJS.WriteStream = process.stderr): { update(text: string): void; clear(): void } {
  return {
    update: (text) => stream.isTTY && stream.write(`\rlmb: ${text}\x1b[K`),
    clear: () => stream.isTTY && stream.write('\r\x1b[K'),
  };
}
