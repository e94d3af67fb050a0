/**
 * The one error type users see. `code` is stable (tests and scripts match on it), `message`
 * says what happened and to what, `fix` says what to do. The CLI prints both on one line.
 */
export class LmbError extends Error {
  override readonly name = 'LmbError';
  constructor(
    readonly code: string,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }

  /** `message. fix` as one line, for the CLI. */
  oneLine(): string {
    const text = this.fix ? `${this.message}. ${this.fix}` : this.message;
    return text.replace(/\s*\n\s*/g, ' ');
  }
}

/**
 * What was thrown, as one line of at most `max` characters, for a message: code a user wrote (a
 * spec) may throw anything — an Error whose message spans lines, a string, null, an object —
 * and a JSON.parse error quotes the text it choked on, control characters and all.
 */
export function thrownLine(thrown: unknown, max = 200): string {
  let text: string;
  try {
    if (thrown instanceof Error) text = thrown.message || thrown.name;
    else if (typeof thrown === 'string') text = thrown;
    else if (typeof thrown === 'object' && thrown !== null) text = `a non-Error object ${JSON.stringify(thrown) ?? ''}`;
    else text = `the value ${String(thrown)}`;
  } catch {
    text = 'an unprintable value';
  }
  const line = text.replace(/[\s\u0000-\u001f\u007f-\u009f\ufffd]+/g, ' ').trim() || '(an empty message)';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
