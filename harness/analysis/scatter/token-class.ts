/** Simple classes of a token, to see which kinds of token one checkpoint predicts better. */

export const TOKEN_CLASSES = ['punctuation', 'capitalised', 'digit', 'whitespace', 'seen-earlier', 'other'] as const;
export type TokenClass = (typeof TOKEN_CLASSES)[number];

/**
 * The classes of a token, given its decoded text and whether the same token id occurred earlier
 * in its document. A leading space (GPT-2's `Ġ`) is ignored except by `whitespace`, which means
 * the token is nothing but whitespace. `other`: none of the rest.
 *   punctuation: only punctuation or symbols, e.g. `,` `."` ` (`
 *   capitalised: starts with an upper-case letter, e.g. ` The`
 *   digit: contains a decimal digit, e.g. ` 2019` `x3`
 */
export function tokenClasses(text: string, seenEarlier: boolean): TokenClass[] {
  const out: TokenClass[] = [];
  const core = text.trim();
  if (core === '') out.push('whitespace');
  else {
    if (/^[\p{P}\p{S}]+$/u.test(core)) out.push('punctuation');
    if (/^\p{Lu}/u.test(core)) out.push('capitalised');
    if (/\p{Nd}/u.test(core)) out.push('digit');
  }
  if (seenEarlier) out.push('seen-earlier');
  if (out.length === 0) out.push('other');
  return out;
}

/** For each position of a document: did the same token id occur at an earlier position? */
export function seenEarlier(ids: ArrayLike<number>): boolean[] {
  const seen = new Set<number>();
  return Array.from({ length: ids.length }, (_, i) => {
    const before = seen.has(ids[i]);
    seen.add(ids[i]);
    return before;
  });
}
