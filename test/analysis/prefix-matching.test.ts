import { describe, expect, it } from 'vitest';
import { candidateTokens, prefixMatchingScores, repeatedSequences, uniformPrefixMatching, type RepeatedSequences } from '../../harness/analysis/prefix-matching.js';

/** [B=1, H, T, T] attention where head h's row q is `row(h, q)`. */
function attention(seq: RepeatedSequences, heads: number, row: (h: number, q: number) => number[]): Float32Array {
  const T = seq.rows[0].length;
  const a = new Float32Array(heads * T * T);
  for (let h = 0; h < heads; h++) for (let q = 0; q < T; q++) a.set(row(h, q), (h * T + q) * T);
  return a;
}

describe('prefix matching', () => {
  const seq: RepeatedSequences = { rows: [[99, 1, 2, 3, 1, 2, 3, 1, 2, 3]], period: 3, repeats: 3 };
  const T = 10;

  it('a head putting w on the token after each earlier occurrence scores exactly w', () => {
    const w = 0.75;
    const a = attention(seq, 1, (_, q) => {
      const row = new Array<number>(T).fill(0);
      const followers = [];
      for (let k = q - 3; k >= 1; k -= 3) followers.push(k + 1);
      if (followers.length === 0) row[0] = 1;
      else {
        followers.forEach((k) => (row[k] += w / followers.length));
        row[0] = 1 - w;
      }
      return row;
    });
    expect(prefixMatchingScores(a, 1, seq)[0]).toBeCloseTo(w, 6);
  });

  it('uniform causal attention scores the mean of (earlier copies) / (q + 1); attention to self scores 0', () => {
    const a = attention(seq, 2, (h, q) => Array.from({ length: T }, (_, k) => (h === 0 ? (k <= q ? 1 / (q + 1) : 0) : k === q ? 1 : 0)));
    // Copy 2 (q = 4, 5, 6): one earlier occurrence each; copy 3 (q = 7, 8, 9): two.
    const expected = (1 / 5 + 1 / 6 + 1 / 7 + 2 / 8 + 2 / 9 + 2 / 10) / 6;
    const [uniform, self] = prefixMatchingScores(a, 2, seq);
    expect(uniform).toBeCloseTo(expected, 6);
    expect(self).toBe(0);
    // The chance line the induction chart draws is the same number, computed without attention.
    expect(uniformPrefixMatching(seq)).toBeCloseTo(expected, 12);
  });

  it('candidate tokens leave out the 10% most and least common and the special ids', () => {
    // Ids 0..20 occur 21, 20, ..., 1 times; id 5 is special, so 20 ids are ranked and 2 dropped at each end.
    const sample = Array.from({ length: 21 }, (_, id) => new Array<number>(21 - id).fill(id)).flat();
    expect(candidateTokens(sample, [5], 0.1)).toEqual([2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
  });

  it('repeated sequences: a start token, then the same distinct tokens repeated, the same for a seed', () => {
    const make = () => repeatedSequences(Array.from({ length: 100 }, (_, i) => i + 10), { start: 0, period: 25, repeats: 4, count: 8, seed: 1 });
    const { rows } = make();
    expect(rows).toHaveLength(8);
    for (const row of rows) {
      expect(row).toHaveLength(101);
      expect(row[0]).toBe(0);
      const s = row.slice(1, 26);
      expect(new Set(s).size).toBe(25);
      expect(row.slice(1)).toEqual([...s, ...s, ...s, ...s]);
    }
    expect(make().rows).toEqual(rows);
    expect(rows[1]).not.toEqual(rows[0]);
  });
});
