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
