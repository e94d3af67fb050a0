/**
 * GPT-2 style byte-level BPE from `vocab.json` + `merges.txt`: builds the tokenizer.json object
 * that @huggingface/tokenizers loads, plus the byte-level alphabet for showing single tokens.
 */
import { LmbError } from '../errors.js';

/** GPT-2's pre-tokenizer pattern, as in OpenAI's encoder.py and Hugging Face's ByteLevel. */
export const GPT2_SPLIT_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

export const GPT2_EOS = '<|endoftext|>';

const GPT2_SPLIT = { type: 'Split', pattern: { Regex: GPT2_SPLIT_PATTERN }, behavior: 'Isolated', invert: false };

export interface AddedTokenSpec {
  id: number;
  content: string;
  special: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  single_word?: boolean;
  normalized?: boolean;
}

/** Parses merges.txt: an optional `#version` line, then one `left right` pair a line. */
export function parseMerges(text: string, file: string): [string, string][] {
  const merges: [string, string][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line === '' || (i === 0 && line.startsWith('#version'))) continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new LmbError(
        'TOKENIZER_CORRUPT',
        `${file} line ${i + 1} is not a "left right" merge: ${JSON.stringify(line.slice(0, 60))}`,
        "Re-copy merges.txt from the model's source; it may be damaged",
      );
    }
    merges.push([parts[0], parts[1]]);
  }
  return merges;
}

/**
 * The tokenizer.json equivalent of GPT-2's byte-level BPE. The split uses a Split pre-tokenizer with
 * GPT-2's exact pattern and then ByteLevel without its own regex: ByteLevel's built-in regex in
 * @huggingface/tokenizers 0.2.0 uses JavaScript's `\s` (which adds U+FEFF and misses U+0085), while
 * Split's patterns are translated to Oniguruma's `\s` (Unicode White_Space), as GPT-2 defines it.
 */
export function gpt2TokenizerJson(
  vocab: Record<string, number>,
  merges: [string, string][],
  added: AddedTokenSpec[],
): Record<string, unknown> {
  return {
    version: '1.0',
    added_tokens: added.map((t) => ({
      id: t.id,
      content: t.content,
      single_word: t.single_word ?? false,
      lstrip: t.lstrip ?? false,
      rstrip: t.rstrip ?? false,
      normalized: t.normalized ?? false,
      special: t.special,
    })),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [GPT2_SPLIT, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

/**
 * A tokenizer.json pre_tokenizer with each ByteLevel that splits by its built-in regex (and adds no
 * prefix space) replaced by Split(GPT-2 pattern) + ByteLevel(use_regex false): the same split the
 * Rust tokenizers make, without the JavaScript `\s` difference described above.
 */
export function exactByteLevelSplit(pre: unknown): unknown {
  if (!pre || typeof pre !== 'object') return pre;
  const p = pre as Record<string, unknown>;
  if (p.type === 'ByteLevel' && p.use_regex !== false && !p.add_prefix_space) {
    return { type: 'Sequence', pretokenizers: [GPT2_SPLIT, { ...p, use_regex: false }] };
  }
  if (p.type === 'Sequence' && Array.isArray(p.pretokenizers)) {
    return { ...p, pretokenizers: p.pretokenizers.flatMap((q) => {
      const r = exactByteLevelSplit(q) as Record<string, unknown>;
      return r !== q && r.type === 'Sequence' ? (r.pretokenizers as unknown[]) : [r];
    }) };
  }
  return pre;
}

/** GPT-2's byte -> printable character table (bytes that print as themselves keep their code). */
function byteLevelAlphabet(): Map<string, number> {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const toByte = new Map<string, number>();
  let next = 0;
  for (let b = 0; b < 256; b++) {
    toByte.set(String.fromCharCode(printable(b) ? b : 256 + next++), b);
  }
  return toByte;
}

const CHAR_TO_BYTE = byteLevelAlphabet();

/** The bytes a byte-level token piece stands for, or undefined if it is not a byte-level piece. */
export function byteLevelBytes(piece: string): Uint8Array | undefined {
  const bytes = new Uint8Array(piece.length);
  for (let i = 0; i < piece.length; i++) {
    const b = CHAR_TO_BYTE.get(piece[i]);
    if (b === undefined) return undefined;
    bytes[i] = b;
  }
  return bytes;
}
