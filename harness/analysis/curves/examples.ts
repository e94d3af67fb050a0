import type { CurveClass, CurveFit } from './classify.js';

/** One run's curve of one token: which token (its index in the list), which run (index). */
export interface CurveRef {
  token: number;
  run: number;
}

type Curve = CurveFit & { losses: readonly number[] };
type Entry = CurveRef & { c: Curve };

/** Smooth examples must fit this well, so the chart shows smooth curves and not noise both models miss. */
const SMOOTH_EXAMPLE_R2 = 0.8;

/**
 * Up to `count` curves of each class to show, each from a different token, falling and rising
 * losses in turn (a token learned, a token ruled out). S-shaped: those the logistic wins by most.
 * Smooth: well-fitted ones whose loss moves most (not flat lines, not noise both models miss).
 */
export function pickExamples(tokens: readonly (readonly Curve[])[], count: number): Record<CurveClass, CurveRef[]> {
  const all = tokens.flatMap((runs, token) => runs.map((c, run) => ({ token, run, c })));
  const sShaped = inTurn(all, count, [], (c) => c.class === 'S-shaped', (c) => c.bic.smooth - c.bic.logistic);
  const smooth = inTurn(all, count, sShaped, (c) => c.class === 'smooth' && c.r2 >= SMOOTH_EXAMPLE_R2, (c) => Math.max(...c.losses) - Math.min(...c.losses));
  const ref = ({ token, run }: CurveRef) => ({ token, run });
  return { 'S-shaped': sShaped.map(ref), smooth: smooth.map(ref) };
}

/** The curves `keep` accepts, highest `key` first, falling and rising in turn, one per token and none from a `taken` token. */
function inTurn(all: readonly Entry[], count: number, taken: readonly CurveRef[], keep: (c: Curve) => boolean, key: (c: Curve) => number): Entry[] {
  const ranked = all.filter((e) => keep(e.c)).sort((a, b) => key(b.c) - key(a.c) || a.token - b.token || a.run - b.run);
  const falls = (e: Entry) => e.c.losses.at(-1)! < e.c.losses[0];
  const [falling, rising] = [distinct(ranked.filter(falls), taken), distinct(ranked.filter((e) => !falls(e)), taken)];
  return distinct(Array.from({ length: Math.max(falling.length, rising.length) }, (_, i) => [falling[i], rising[i]]).flat().filter((e) => e !== undefined), taken).slice(0, count);
}

/** The first curve of each token, skipping tokens already `taken`. */
function distinct<T extends CurveRef>(curves: readonly T[], taken: readonly CurveRef[]): T[] {
  const seen = new Set(taken.map((c) => c.token));
  return curves.filter((c) => !seen.has(c.token) && seen.add(c.token));
}
