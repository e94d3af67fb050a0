import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { downloadBars, formatBytes } from '../../harness/hub/progress-bars.js';

describe('downloadBars', () => {
  it('draws one bar per file with bytes done and total', () => {
    let out = '';
    const stream = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
    const bars = downloadBars({ stream, noTTYOutput: true });
    bars.update({ repo: 'org/alias', revision: 'checkpoint-10', file: 'pytorch_model.bin', done: 250_000_000, total: 548_100_000 });
    bars.update({ repo: 'org/alias', revision: 'checkpoint-20', file: 'config.json', done: 10, total: 665 });
    bars.update({ repo: 'org/alias', revision: 'checkpoint-20', file: 'config.json', done: 665, total: 665 }); // done: removed
    bars.stop();
    expect(out).toContain('alias@checkpoint-10 pytorch_model.bin |');
    expect(out).toContain('| 250.0 MB / 548.1 MB | ETA ');
    expect(out).not.toContain('config.json');
  });

  it('formats sizes in decimal units', () => {
    expect([0, 999, 1500, 548_123_456, 1.42e9].map(formatBytes)).toEqual(['0 B', '999 B', '1.5 kB', '548.1 MB', '1.4 GB']);
  });
});
