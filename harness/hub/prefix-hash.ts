import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * sha256 of a file that grows by appends and sometimes restarts: bytes already on disk are
 * hashed once (e.g. a partial download left by an earlier run), new bytes as they arrive.
 */
export class PrefixHash {
  private hash: Hash = createHash('sha256');
  private hashed = 0;

  constructor(private readonly path: string) {}

  /** Brings the hash to the file's first `length` bytes, re-reading from disk only what it has not seen. */
  async catchUp(length: number): Promise<void> {
    if (length < this.hashed) {
      this.hash = createHash('sha256');
      this.hashed = 0;
    }
    if (length === this.hashed) return;
    for await (const chunk of createReadStream(this.path, { start: this.hashed, end: length - 1 })) this.update(chunk as Buffer);
  }

  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
    this.hashed += bytes.length;
  }

  digest(): string {
    return this.hash.copy().digest('hex');
  }
}
