import cliProgress from 'cli-progress';
import type { Progress } from '../run/runner.js';

/**
 * Shows evaluation progress on stderr: a bar with ETA on a terminal, one line per checkpoint
 * otherwise (CI logs).
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  let bar: cliProgress.SingleBar | undefined;
  return (p) => {
    if (p.type === 'start') {
      if (stream.isTTY) {
        bar = new cliProgress.SingleBar({
          stream,
          format: 'checkpoints {bar} {value}/{total} | ETA {eta_formatted} | {run} @ step {step} ({computed} probes computed, {cached} cached)',
          hideCursor: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(p.total, 0, { run: '', step: '', computed: 0, cached: 0 });
      } else stream.write(`lmb: evaluating ${p.probes} probes on ${p.total} checkpoints\n`);
      return;
    }
    if (bar) {
      bar.update(p.index + 1, { run: p.run, step: p.step, computed: p.computed, cached: p.cached });
      if (p.index + 1 === p.total) bar.stop();
    } else {
      stream.write(`lmb: [${p.index + 1}/${p.total}] ${p.run} @ step ${p.step}: ${p.computed} computed, ${p.cached} cached\n`);
    }
  };
}
