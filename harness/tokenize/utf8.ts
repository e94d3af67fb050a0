/**
 * Text inputs (corpora, `lmb score --text`) are decoded strictly: bytes that are not UTF-8 would
 * otherwise turn into U+FFFD and be scored as text nobody wrote.
 */

export type Decoded = { ok: true; text: string } | { ok: false; invalidAt: number; fix: string };

/** Decodes UTF-8, dropping a leading byte-order mark; on invalid bytes, says where and how to convert. */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const utf16 = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
    const fix = utf16 ? 'It starts with a UTF-16 byte-order mark: convert it, e.g. iconv -f utf-16 -t utf-8' : 'Convert it to UTF-8, e.g. iconv -f latin1 -t utf-8';
    return { ok: false, invalidAt: firstInvalidByte(bytes), fix };
  }
}

/** The offset where the first invalid UTF-8 sequence starts (the longest valid prefix, found by bisection). */
function firstInvalidByte(bytes: Uint8Array): number {
  const decodes = (n: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream });
      return true;
    } catch {
      return false;
    }
  };
  const valid = (n: number) => decodes(n, true);
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (valid(mid)) lo = mid;
    else hi = mid - 1;
  }
  // `lo` may end inside a sequence that the next byte breaks: step back to where it starts.
  for (let k = lo; k > Math.max(0, lo - 4); k--) if (decodes(k, false)) return k;
  return Math.max(0, lo - 3);
}

/**
 * The index of the first unpaired surrogate in `text`, or -1. UTF-8 cannot hold one, but JSON
 * can ("\ud800"), and tokenizers silently replace it with U+FFFD.
 */
export function loneSurrogateAt(text: string): number {
  return text.search(/[\uD800-\uDFFF]/u);
}
