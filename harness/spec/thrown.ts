/**
 * What a spec threw, as one line of at most 200 characters. Spec code may throw anything: an
 * Error (whose message may span lines, as esbuild's syntax errors do), a string, a number,
 * null, an object without a prototype.
 */
export function thrownLine(thrown: unknown): string {
  let text: string;
  try {
    if (thrown instanceof Error) text = thrown.message || thrown.name;
    else if (typeof thrown === 'string') text = thrown;
    else if (typeof thrown === 'object' && thrown !== null) text = `a non-Error object ${JSON.stringify(thrown) ?? ''}`;
    else text = `the value ${String(thrown)}`;
  } catch {
    text = 'an unprintable value';
  }
  const line = text.replace(/\s+/g, ' ').trim() || '(an empty message)';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
