import { TOKEN_CLASSES, type TokenClass } from './token-class.js';

/** How one class of tokens fares under checkpoint A versus B. */
export interface ClassStats {
  class: TokenClass | 'all';
  count: number;
  /** Mean of logprob_A - logprob_B, nats; positive: A predicts these tokens better. */
  meanDiff: number;
  /** Share of the class's tokens where A's log-prob is higher. */
  aWinShare: number;
  /** `A` or `B` by the sign of meanDiff, `tie` at 0 or for an empty class. */
  winner: 'A' | 'B' | 'tie';
}

/** Per class (and `all`): count, mean difference and A's win share, over rows where both are finite. */
export function classSummary(a: ArrayLike<number>, b: ArrayLike<number>, classes: readonly (readonly TokenClass[])[]): ClassStats[] {
  const acc = new Map<ClassStats['class'], { n: number; sum: number; wins: number }>(
    (['all', ...TOKEN_CLASSES] as const).map((c) => [c, { n: 0, sum: 0, wins: 0 }]));
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    const d = a[i] - b[i];
    for (const c of ['all', ...classes[i]] as const) {
      const s = acc.get(c)!;
      s.n++;
      s.sum += d;
      if (d > 0) s.wins++;
    }
  }
  return [...acc].map(([c, s]) => {
    const meanDiff = s.n ? s.sum / s.n : NaN;
    return { class: c, count: s.n, meanDiff, aWinShare: s.n ? s.wins / s.n : NaN, winner: s.n === 0 || meanDiff === 0 ? 'tie' : meanDiff > 0 ? 'A' : 'B' };
  });
}
