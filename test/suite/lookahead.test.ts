import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { lookahead } from '../../harness/suite/lookahead.js';
import type { CheckpointRef } from '../../harness/suite/suite.js';

/** Checkpoints whose fetch takes `delays[i]` ms (or fails / hangs) and records what ran when. */
function fakeRefs(delays: readonly number[], opts: { failAt?: number; ignoreAbort?: boolean } = {}) {
  const log = { running: 0, maxRunning: 0, started: [] as number[], aborted: [] as number[] };
  const refs: CheckpointRef[] = delays.map((delay, i) => ({
    step: i * 10,
    name: `checkpoint-${i * 10}`,
    fetch: async (signal?: AbortSignal) => {
      log.started.push(i);
      log.running++;
      log.maxRunning = Math.max(log.maxRunning, log.running);
      try {
        await sleep(delay, undefined, { signal: opts.ignoreAbort ? undefined : signal });
        if (i === opts.failAt) throw new Error(`checkpoint-${i * 10} failed`);
        return `/dir/${i}`;
      } catch (e) {
        if (signal?.aborted) log.aborted.push(i);
        throw e;
      } finally {
        log.running--;
      }
    },
  }));
  return { refs, log };
}

describe('lookahead', () => {
  it('yields in order though later fetches finish first, with at most k running and none more than k ahead', async () => {
    const { refs, log } = fakeRefs([30, 20, 10, 5, 1, 1, 8, 2]);
    const got: string[] = [];
    let current = 0;
    const startedAhead: number[] = [];
    for await (const { ref, dir } of lookahead(refs, 2)) {
      expect(ref).toBe(refs[current]);
      got.push(dir!);
      startedAhead.push(Math.max(...log.started) - current);
      await sleep(3); // evaluate
      current++;
    }
    expect(got).toEqual(refs.map((_, i) => `/dir/${i}`));
    expect(log.maxRunning).toBe(2);
    expect(Math.max(...startedAhead)).toBe(2);
    expect(log.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('k = 0 fetches one checkpoint at a time, only when asked', async () => {
    const { refs, log } = fakeRefs([2, 2, 2]);
    for await (const { ref } of lookahead(refs, 0)) {
      expect(log.started.at(-1)).toBe(refs.indexOf(ref));
      await sleep(3);
      expect(log.started.at(-1)).toBe(refs.indexOf(ref));
    }
    expect(log.maxRunning).toBe(1);
  });

  it('throws a failed fetch at the checkpoint it belongs to', async () => {
    const { refs } = fakeRefs([20, 20, 1, 20], { failAt: 2 });
    const got: number[] = [];
    await expect((async () => {
      for await (const { ref } of lookahead(refs, 3)) got.push(ref.step);
    })()).rejects.toThrow('checkpoint-20 failed');
    expect(got).toEqual([0, 10]);
  });

  it('yields a fetch whose error isAbsent accepts as absent and goes on to the next', async () => {
    const { refs } = fakeRefs([20, 1, 20], { failAt: 1 });
    const got: string[] = [];
    for await (const f of lookahead(refs, 2, undefined, (e) => String(e).includes('checkpoint-10'))) got.push(f.dir ?? `absent: ${String(f.absent)}`);
    expect(got).toEqual(['/dir/0', 'absent: Error: checkpoint-10 failed', '/dir/2']);
  });

  it('leaving the loop aborts the fetches still running', async () => {
    const { refs, log } = fakeRefs([1, 1000, 1000, 1000]);
    for await (const { ref } of lookahead(refs, 2)) {
      expect(ref.step).toBe(0);
      break;
    }
    await sleep(5);
    expect(log.aborted).toEqual([1, 2]);
    expect(log.running).toBe(0);
  });

  it('an aborted signal ends the iteration at once, even when a fetch ignores it', async () => {
    const { refs } = fakeRefs([1, 600], { ignoreAbort: true });
    const controller = new AbortController();
    const reason = new Error('stopped by user');
    const started = Date.now();
    await expect((async () => {
      for await (const { ref } of lookahead(refs, 1, controller.signal)) {
        if (ref.step === 0) setTimeout(() => controller.abort(reason), 5);
      }
    })()).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('yields nothing for no checkpoints', async () => {
    const got = [];
    for await (const x of lookahead([], 2)) got.push(x);
    expect(got).toEqual([]);
  });
});
