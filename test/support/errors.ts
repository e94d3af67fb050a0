import { LmbError } from '../../harness/errors.js';

/** The LmbError `fn` throws; fails the test if it throws nothing or something else. */
export function caught(fn: () => unknown): LmbError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LmbError) return err;
    throw err;
  }
  throw new Error('expected an LmbError');
}
