/** Shared by the hostile weight-file tests: read a file completely and watch what it allocates. */
import { vi } from 'vitest';
import { LmbError } from '../../harness/errors.js';
import { openWeights } from '../../harness/model/weights/open.js';
import { numel, readTensor } from '../../harness/model/weights/tensor.js';

export interface ReadOutcome {
  /** The LmbError it was refused with, or undefined when every tensor read. */
  error?: LmbError;
  /** Elements of the tensors it read (each one a float32 allocated). */
  elements: number;
  /** The largest Buffer.alloc / Buffer.allocUnsafe the readers asked for. */
  largestBuffer: number;
}

/** Opens `path` and reads every tensor; any exception other than an LmbError fails the test. */
export function readEveryTensor(path: string): ReadOutcome {
  const spies = [vi.spyOn(Buffer, 'alloc'), vi.spyOn(Buffer, 'allocUnsafe')];
  const outcome: ReadOutcome = { elements: 0, largestBuffer: 0 };
  try {
    const file = openWeights(path);
    try {
      for (const t of file.tensors.values()) {
        outcome.elements += numel(t.shape);
        readTensor(t);
      }
    } finally {
      file.close();
    }
  } catch (e) {
    if (!(e instanceof LmbError)) throw new Error(`${path}: not an LmbError: ${String(e)}`);
    outcome.error = e;
  } finally {
    outcome.largestBuffer = Math.max(0, ...spies.flatMap((s) => s.mock.calls.map((c) => Number(c[0]))));
    spies.forEach((s) => s.mockRestore());
  }
  return outcome;
}

/** One line, a stable code, and the file named: what every refusal must look like. */
export function expectOneLine(error: LmbError | undefined, path: string, code: RegExp): void {
  if (!error) throw new Error(`${path} was accepted`);
  if (!code.test(error.code)) throw new Error(`${path}: code ${error.code} does not match ${code}: ${error.oneLine()}`);
  if (error.oneLine().includes('\n')) throw new Error(`${path}: the message spans lines: ${error.oneLine()}`);
  if (!error.message.includes(path)) throw new Error(`${path}: the message does not name the file: ${error.message}`);
}
