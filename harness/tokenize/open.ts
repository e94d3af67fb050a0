/** Finds the tokenizer for a model: Hugging Face files in a directory, or llama2.c's `tok*.bin`. */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LmbError } from '../errors.js';
import { loadLlama2cTokenizer } from './llama2c.js';
import { loadTokenizer, type TextTokenizer } from './tokenizer.js';

/** llama2.c names its tokenizers `tok512.bin`, `tok4096.bin`, `tokenizer.bin`. */
const LLAMA2C_TOKENIZER = /^tok.*\.bin$/;

/**
 * The tokenizer at `path`. A file: a llama2.c tokenizer (`.bin`), or one of a Hugging Face
 * tokenizer's files (meaning its directory). A directory: `tokenizer.json` or `vocab.json` +
 * `merges.txt`, failing those exactly one llama2.c `tok*.bin`. Throws TOKENIZER_MISSING when
 * there is none.
 */
export function openTokenizer(path: string): TextTokenizer {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new LmbError('TOKENIZER_MISSING', `${path} does not exist`, 'Check the tokenizer path');
  if (stat.isFile()) {
    return path.endsWith('.bin') ? loadLlama2cTokenizer(path) : loadTokenizer(dirname(path));
  }
  try {
    return loadTokenizer(path);
  } catch (e) {
    if (!(e instanceof LmbError && e.code === 'TOKENIZER_MISSING')) throw e;
  }
  const found = readdirSync(path).filter((f) => LLAMA2C_TOKENIZER.test(f));
  if (found.length === 1) return loadLlama2cTokenizer(join(path, found[0]));
  if (found.length > 1) {
    throw new LmbError('TOKENIZER_AMBIGUOUS', `${path} holds several llama2.c tokenizers (${found.join(', ')})`,
      'Name the one to use, e.g. --tokenizer path/to/tok512.bin');
  }
  throw new LmbError('TOKENIZER_MISSING', `${path} has neither tokenizer.json, vocab.json + merges.txt, nor a llama2.c tok*.bin`,
    'Pass --ids instead of --text, or copy the tokenizer files next to the model');
}

/** Hugging Face tokenizer files, any of which `openTokenizer` may read from a directory. */
const HF_TOKENIZER_FILES = ['tokenizer.json', 'vocab.json', 'merges.txt', 'special_tokens_map.json', 'tokenizer_config.json'];

/** The files in `dir` that `openTokenizer(dir)` may read: copying them elsewhere copies the tokenizer. */
export function tokenizerFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => HF_TOKENIZER_FILES.includes(f) || LLAMA2C_TOKENIZER.test(f)).map((f) => join(dir, f));
}
