/**
 * Text <-> token ids for a model directory, via @huggingface/tokenizers: `tokenizer.json` (+ optional
 * `tokenizer_config.json`), or GPT-2 style `vocab.json` + `merges.txt`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { LmbError, thrownLine } from '../errors.js';
import {
  type AddedTokenSpec,
  GPT2_EOS,
  byteLevelBytes,
  exactByteLevelSplit,
  gpt2TokenizerJson,
  parseMerges,
} from './gpt2-bpe.js';

export interface TextTokenizer {
  /** Ids for `text`; special tokens written in the text (e.g. `<|endoftext|>`) become their ids. */
  encode(text: string): number[];
  /** The exact text of `ids` (no clean-up of spaces, special tokens kept). */
  decode(ids: readonly number[]): string;
  /** One token for display: its text, with any bytes that are not valid UTF-8 on their own shown as `<0xXX>`. */
  tokenText(id: number): string;
  /** One more than the largest id the tokenizer can produce. */
  readonly vocabSize: number;
  readonly eosId?: number;
  readonly bosId?: number;
}

type Json = Record<string, unknown>;

const SPECIAL_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

function corrupt(file: string, what: string): LmbError {
  return new LmbError(
    'TOKENIZER_CORRUPT',
    `${file} ${what}`,
    "Re-copy the tokenizer files from the model's source; this one may be truncated or damaged",
  );
}

/** Tokenizer files nest a few levels deep; far deeper is hostile (every recursive walk of it overflows). */
const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in JSON text, counted outside strings. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

function readJson(file: string): Json {
  let value: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    const depth = jsonDepth(text);
    if (depth > MAX_JSON_DEPTH) throw corrupt(file, `nests ${depth} levels deep, where a tokenizer file needs a few`);
    value = JSON.parse(text);
  } catch (e) {
    if (e instanceof LmbError) throw e;
    throw corrupt(file, `is not valid JSON (${thrownLine(e)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw corrupt(file, 'is not a JSON object');
  return value as Json;
}

/** A special-token entry of a config: a string or `{ content }`. */
function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Json).content === 'string') return (value as Json).content as string;
  return undefined;
}

function specialTokenNames(config: Json): string[] {
  const names = SPECIAL_KEYS.map((k) => tokenName(config[k]));
  const extra = Array.isArray(config.additional_special_tokens) ? config.additional_special_tokens.map(tokenName) : [];
  return [...names, ...extra].filter((n): n is string => n !== undefined);
}

/** Added tokens for the vocab.json + merges.txt route: GPT-2's `<|endoftext|>`, the config's special tokens, `added_tokens_decoder`. */
function gpt2AddedTokens(vocab: Record<string, number>, config: Json): AddedTokenSpec[] {
  const byContent = new Map<string, AddedTokenSpec>();
  for (const name of [GPT2_EOS, ...specialTokenNames(config)]) {
    if (Object.hasOwn(vocab, name)) byContent.set(name, { id: vocab[name], content: name, special: true });
  }
  const decoder = config.added_tokens_decoder;
  if (decoder && typeof decoder === 'object') {
    for (const [id, spec] of Object.entries(decoder as Record<string, Json>)) {
      const content = tokenName(spec);
      if (content === undefined || !Number.isInteger(Number(id))) continue;
      byContent.set(content, { ...(spec as object), id: Number(id), content, special: spec.special !== false });
    }
  }
  return [...byContent.values()];
}

/** Loads the tokenizer in `dir`; throws LmbError TOKENIZER_MISSING or TOKENIZER_CORRUPT. */
export function loadTokenizer(dir: string): TextTokenizer {
  const at = (name: string) => join(dir, name);
  const optional = (name: string): Json => (existsSync(at(name)) ? readJson(at(name)) : {});
  // tokenizer_config.json wins over special_tokens_map.json, as in transformers.
  const config: Json = { ...optional('special_tokens_map.json'), ...optional('tokenizer_config.json') };

  if (existsSync(at('tokenizer.json'))) {
    const json = readJson(at('tokenizer.json'));
    const exact = { added_tokens: [], ...json, pre_tokenizer: exactByteLevelSplit(json.pre_tokenizer) };
    return new HfTextTokenizer(exact, config, at('tokenizer.json'));
  }
  if (existsSync(at('vocab.json')) && existsSync(at('merges.txt'))) {
    const vocab = readJson(at('vocab.json'));
    for (const [piece, id] of Object.entries(vocab)) {
      if (!Number.isInteger(id) || (id as number) < 0) throw corrupt(at('vocab.json'), `maps ${JSON.stringify(piece).slice(0, 60)} to ${typeof id === 'object' && id !== null ? (Array.isArray(id) ? 'a list' : 'an object') : String(id).slice(0, 40)}, not a token id`);
    }
    const merges = parseMerges(readFileSync(at('merges.txt'), 'utf8'), at('merges.txt'));
    const ids = vocab as Record<string, number>;
    const json = gpt2TokenizerJson(ids, merges, gpt2AddedTokens(ids, config));
    // GPT-2's own defaults: `<|endoftext|>` is both bos and eos unless a config says otherwise.
    const gpt2Config = Object.hasOwn(ids, GPT2_EOS) ? { bos_token: GPT2_EOS, eos_token: GPT2_EOS, ...config } : config;
    return new HfTextTokenizer(json, gpt2Config, at('vocab.json'));
  }
  throw new LmbError(
    'TOKENIZER_MISSING',
    `${dir} has neither tokenizer.json nor vocab.json + merges.txt`,
    'Pass --ids instead of --text, or copy the tokenizer files next to the model',
  );
}

/** Throws TOKENIZER_MISMATCH when `tok` can produce ids the model (of `modelVocabSize` rows) has no embedding for. */
export function checkTokenizerFits(tok: TextTokenizer, modelVocabSize: number, where: string): void {
  if (tok.vocabSize > modelVocabSize) {
    throw new LmbError(
      'TOKENIZER_MISMATCH',
      `${where}: the tokenizer has ${tok.vocabSize} token ids but the model's vocabulary has only ${modelVocabSize}`,
      "Use the tokenizer the model was trained with (copy its tokenizer files next to the model), or pass --ids instead of --text",
    );
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 sequence length announced by a lead byte; 0 if it cannot start a sequence. */
function utf8Length(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** Valid UTF-8 runs as text, every other byte as `<0xXX>`. */
function bytesForDisplay(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    let out = '';
    for (let i = 0; i < bytes.length; ) {
      const n = utf8Length(bytes[i]);
      if (n > 0 && i + n <= bytes.length) {
        try {
          out += strictUtf8.decode(bytes.subarray(i, i + n));
          i += n;
          continue;
        } catch {
          // not a valid sequence: fall through to one escaped byte
        }
      }
      out += `<0x${bytes[i].toString(16).toUpperCase().padStart(2, '0')}>`;
      i += 1;
    }
    return out;
  }
}

function usesByteLevel(decoder: unknown): boolean {
  if (!decoder || typeof decoder !== 'object') return false;
  const d = decoder as Json;
  return d.type === 'ByteLevel' || (d.type === 'Sequence' && Array.isArray(d.decoders) && d.decoders.some(usesByteLevel));
}

class HfTextTokenizer implements TextTokenizer {
  private readonly tok: Tokenizer;
  private readonly byteLevel: boolean;
  private readonly lossless: boolean;
  private readonly addedIds: Set<number>;
  readonly vocabSize: number;
  readonly eosId?: number;
  readonly bosId?: number;

  constructor(json: Json, config: Json, source: string) {
    try {
      this.tok = new Tokenizer(json, config);
    } catch (e) {
      throw corrupt(source, `is not a tokenizer @huggingface/tokenizers can load (${thrownLine(e)})`);
    }
    this.byteLevel = usesByteLevel(json.decoder);
    // Byte-level BPE without a normalizer decodes back to exactly the text it encoded.
    this.lossless = this.byteLevel && (json.normalizer === null || json.normalizer === undefined);
    this.addedIds = new Set(this.tok.get_added_tokens_decoder().keys());
    let max = -1;
    for (const id of this.tok.get_vocab(true).values()) max = Math.max(max, id);
    this.vocabSize = max + 1;
    // Without a config naming them, a special `<|endoftext|>` is bos and eos (GPT-2's convention).
    const eot = [...this.tok.get_added_tokens_decoder()].find(([, t]) => t.special && t.content === GPT2_EOS)?.[0];
    this.eosId = this.idOf(tokenName(config.eos_token)) ?? eot;
    this.bosId = this.idOf(tokenName(config.bos_token)) ?? eot;
  }

  private idOf(token: string | undefined): number | undefined {
    return token === undefined ? undefined : this.tok.token_to_id(token);
  }

  private piece(id: number): string {
    const piece = Number.isInteger(id) && id >= 0 && id < this.vocabSize ? this.tok.id_to_token(id) : undefined;
    if (piece === undefined) {
      throw new LmbError(
        'TOKEN_ID_INVALID',
        `token id ${id} is not in the tokenizer's vocabulary (ids 0..${this.vocabSize - 1})`,
        "Pass ids produced by this model's tokenizer",
      );
    }
    return piece;
  }

  encode(text: string): number[] {
    const { ids, tokens }: { ids: number[]; tokens: string[] } = this.tok.encode(text);
    const bad = ids.findIndex((id) => id === undefined || id === null);
    if (bad >= 0) {
      throw new LmbError(
        'TOKENIZER_CANNOT_ENCODE',
        `the tokenizer has no id for ${JSON.stringify(tokens[bad])} and no unknown-token id`,
        'Pass --ids instead of --text, or use text the tokenizer covers',
      );
    }
    // The library drops BPE pieces its vocabulary lacks (a merges.txt naming pieces vocab.json does
    // not have): every character must come back, or some text would silently go unscored.
    if (this.lossless) {
      const back = this.decode(ids);
      if (back !== text) {
        let at = 0;
        while (at < text.length && text[at] === back[at]) at++;
        throw new LmbError('TOKENIZER_CANNOT_ENCODE',
          `the tokenizer drops text: ${JSON.stringify(text.slice(Math.max(0, at - 10), at + 20))} comes back as ${JSON.stringify(back.slice(Math.max(0, at - 10), at + 20))} (character ${at}); its merges make pieces its vocabulary lacks`,
          "Use the model's own vocab.json and merges.txt (they must come from one tokenizer), or pass --ids");
      }
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    for (const id of ids) this.piece(id);
    return this.tok.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  tokenText(id: number): string {
    const piece = this.piece(id);
    if (this.addedIds.has(id)) return piece;
    const bytes = this.byteLevel ? byteLevelBytes(piece) : undefined;
    if (bytes) return bytesForDisplay(bytes);
    const text = this.decode([id]);
    return text.includes('\uFFFD') && !piece.includes('\uFFFD') ? piece : text;
  }
}
