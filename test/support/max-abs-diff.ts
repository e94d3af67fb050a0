import { expect } from 'vitest';

/** The largest |a[i] - b[i]|, after checking both hold as many numbers. */
export function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}
