/**
 * llama2.c's tokenizer file (`tok512.bin`, `tokenizer.bin`): int32 max_token_length, then for
 * each token a float32 merge score, an int32 byte length and the bytes (SentencePiece's `▁`
 * already turned into a space). Encoding and decoding follow llama2.c's run.c: BOS, a dummy
 * space before non-empty text, one token per UTF-8 character (its bytes as `<0xNN>` tokens when
 * the character is not in the vocabulary), then repeatedly the merge whose result scores
 * highest, leftmost first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { LmbError } from '../errors.js';
import type { TextTokenizer } from './tokenizer.js';

/** llama2.c's fixed ids (run.c hard-codes them; SentencePiece puts `<unk>` at 0). */
const BOS = 1;
const EOS = 2;
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;
const MAX_PIECE_BYTES = 1 << 16;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8 = new TextEncoder();

function corrupt(file: string, what: string): LmbError {
  return new LmbError('TOKENIZER_CORRUPT', `${file} is not a llama2.c tokenizer: ${what}`,
    "Re-copy the tokenizer (tok*.bin) from the model's source; this one may be truncated or damaged");
}

/** A piece's bytes as a map key (latin1 keeps every byte sequence distinct). */
const key = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');

/** Reads a llama2.c tokenizer file; throws TOKENIZER_MISSING or TOKENIZER_CORRUPT. */
export function loadLlama2cTokenizer(file: string): Llama2cTokenizer {
  if (!existsSync(file)) {
    throw new LmbError('TOKENIZER_MISSING', `${file} does not exist`, "Pass the model's llama2.c tokenizer, e.g. --tokenizer path/to/tok512.bin");
  }
  const bytes = readFileSync(file);
  if (bytes.length < 4) throw corrupt(file, `${bytes.length} bytes, too short for its header`);
  const maxLength = bytes.readInt32LE(0);
  if (maxLength < 1 || maxLength > MAX_PIECE_BYTES) throw corrupt(file, `max_token_length is ${maxLength}`);
  const pieces: Uint8Array[] = [];
  const scores: number[] = [];
  for (let at = 4; at < bytes.length; ) {
    const id = pieces.length;
    if (at + 8 > bytes.length) throw corrupt(file, `token ${id} is cut off after ${bytes.length - at} bytes`);
    const length = bytes.readInt32LE(at + 4);
    if (length < 0 || length > maxLength) throw corrupt(file, `token ${id} claims ${length} bytes, outside 0..${maxLength} (max_token_length)`);
    if (at + 8 + length > bytes.length) throw corrupt(file, `token ${id} is cut off: ${length} bytes announced, ${bytes.length - at - 8} left`);
    scores.push(bytes.readFloatLE(at));
    pieces.push(Uint8Array.from(bytes.subarray(at + 8, at + 8 + length)));
    at += 8 + length;
  }
  if (pieces.length <= EOS) throw corrupt(file, `only ${pieces.length} tokens, so no BOS (1) and EOS (2)`);
  return new Llama2cTokenizer(pieces, scores);
}

export class Llama2cTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly bosId = BOS;
  readonly eosId = EOS;
  /** Ordinary pieces (not BOS, EOS, `<unk>` nor `<0xNN>`) by their bytes: what text can become. */
  private readonly ids = new Map<string, number>();
  /** The `<0xNN>` token of each byte value, and the byte each such token stands for. */
  private readonly byteIds = new Array<number | undefined>(256);
  private readonly byteOf = new Map<number, number>();

  constructor(private readonly pieces: Uint8Array[], private readonly scores: number[]) {
    this.vocabSize = pieces.length;
    pieces.forEach((piece, id) => {
      const hex = BYTE_PIECE.exec(key(piece));
      if (hex) {
        const byte = parseInt(hex[1], 16);
        this.byteIds[byte] ??= id;
        this.byteOf.set(id, byte);
      } else if (id > EOS && !this.ids.has(key(piece))) {
        this.ids.set(key(piece), id);
      }
    });
  }

  encode(text: string): number[] {
    if (text === '') return [BOS];
    const symbols: number[] = [];
    for (const char of ` ${text}`) {
      const bytes = utf8.encode(char);
      const id = this.ids.get(key(bytes));
      if (id !== undefined) symbols.push(id);
      else for (const b of bytes) symbols.push(this.byteToken(b, char));
    }
    return [BOS, ...this.merge(symbols)];
  }

  private byteToken(byte: number, char: string): number {
    const id = this.byteIds[byte];
    if (id === undefined) {
      throw new LmbError('TOKENIZER_CANNOT_ENCODE',
        `${JSON.stringify(char)} is not in the tokenizer's vocabulary, which has no <0x${hex(byte)}> byte token to fall back on`,
        'Pass --ids instead of --text, or use text the tokenizer covers');
    }
    return id;
  }

  /**
   * llama2.c's merge loop (take the pair whose merged piece scores highest, the leftmost among
   * equals, until no pair merges) with a heap of candidate pairs instead of a rescan per merge.
   */
  private merge(symbols: number[]): number[] {
    const n = symbols.length;
    const id = Int32Array.from(symbols);
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
    const heap = new PairHeap();
    const consider = (left: number) => {
      const right = left < 0 ? -1 : next[left];
      if (right < 0) return;
      const merged = this.mergedId(id[left], id[right]);
      if (merged !== undefined) heap.push({ score: this.scores[merged], left, right, leftId: id[left], rightId: id[right], merged });
    };
    for (let i = 0; i < n - 1; i++) consider(i);
    for (let pair = heap.pop(); pair; pair = heap.pop()) {
      const { left, right } = pair;
      // Stale: one side has merged with something else since this pair was queued.
      if (next[left] !== right || id[left] !== pair.leftId || id[right] !== pair.rightId) continue;
      id[left] = pair.merged;
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      id[right] = -1;
      consider(prev[left]);
      consider(left);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0; i = next[i]) out.push(id[i]);
    return out;
  }

  private mergedId(a: number, b: number): number | undefined {
    if (this.byteOf.has(a) || this.byteOf.has(b)) return undefined;
    return this.ids.get(key(this.pieces[a]) + key(this.pieces[b]));
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new LmbError('TOKEN_ID_INVALID', `token id ${id} is not in the tokenizer's vocabulary (ids 0..${this.vocabSize - 1})`,
        "Pass ids produced by this model's tokenizer");
    }
  }

  /**
   * The text llama2.c prints for `ids`: `<0xNN>` tokens become their byte, a piece right after
   * BOS loses its leading (dummy) space, and BOS and EOS, which only mark where sequences start
   * and end, print nothing (as SentencePiece decodes control tokens).
   */
  decode(ids: readonly number[]): string {
    const out: number[] = [];
    ids.forEach((id, i) => {
      this.checkId(id);
      if (id === BOS || id === EOS) return;
      const byte = this.byteOf.get(id);
      if (byte !== undefined) {
        out.push(byte);
        return;
      }
      const piece = this.pieces[id];
      const skip = i > 0 && ids[i - 1] === BOS && piece[0] === 0x20 ? 1 : 0;
      for (let j = skip; j < piece.length; j++) out.push(piece[j]);
    });
    return lenientUtf8.decode(Uint8Array.from(out));
  }

  /** One token as shown in tables: BOS and EOS as `<s>` and `</s>`, non-ASCII bytes as `<0xNN>`. */
  tokenText(id: number): string {
    this.checkId(id);
    const piece = this.pieces[id];
    if (id === BOS || id === EOS) return key(piece).trim();
    const byte = this.byteOf.get(id);
    if (byte !== undefined) return byte < 0x80 ? String.fromCharCode(byte) : `<0x${hex(byte)}>`;
    try {
      return strictUtf8.decode(piece);
    } catch {
      return [...piece].map((b) => (b < 0x80 ? String.fromCharCode(b) : `<0x${hex(b)}>`)).join('');
    }
  }
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

interface Pair {
  score: number;
  left: number;
  right: number;
  leftId: number;
  rightId: number;
  merged: number;
}

/** A binary max-heap of pairs: highest score first, then the leftmost. */
class PairHeap {
  private items: Pair[] = [];

  private before(a: Pair, b: Pair): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }

  push(p: Pair): void {
    const items = this.items;
    items.push(p);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Pair | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.before(items[l], items[best])) best = l;
        if (r < items.length && this.before(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
}
