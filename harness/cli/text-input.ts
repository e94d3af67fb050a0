import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LmbError } from '../errors.js';
import { openTokenizer } from '../tokenize/open.js';
import type { TextTokenizer } from '../tokenize/tokenizer.js';
import { decodeUtf8 } from '../tokenize/utf8.js';

/** `--text FILE` (`-`: stdin): UTF-8 (a leading byte-order mark dropped) and not empty, or a one-line error. */
export function readText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file === '-' ? 0 : file);
  } catch (e) {
    throw new LmbError('FILE_MISSING', `cannot read --text ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'Check the path');
  }
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) throw new LmbError('TEXT_NOT_UTF8', `--text ${file} is not valid UTF-8 (near byte ${decoded.invalidAt})`, decoded.fix);
  if (decoded.text === '') throw new LmbError('TEXT_EMPTY', `--text ${file} is empty: there is nothing to score`, 'Put some text in it, or pass --ids');
  return decoded.text;
}

/** The tokenizer `--tokenizer` names, else the one beside `--model` (in its folder, or the folder of its file). */
export function tokenizerOf(flags: { model?: string; tokenizer?: string }): TextTokenizer {
  const where = flags.tokenizer ?? (existsSync(flags.model!) && statSync(flags.model!).isDirectory() ? flags.model! : dirname(flags.model!));
  return openTokenizer(where);
}
