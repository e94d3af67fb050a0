import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { LmbError, thrownLine } from '../../errors.js';
import { decodeUtf8, loneSurrogateAt } from '../../tokenize/utf8.js';

/**
 * The documents of a corpus file, in order: a `.txt` file's blocks separated by blank lines, or
 * the "text" field of each line of a `.jsonl` file. Each document is scored as its own sequence.
 */
export function readCorpus(path: string): string[] {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new LmbError('CORPUS_MISSING', `corpus file ${path} does not exist`, 'Pass --corpus a .txt file (documents separated by blank lines) or a .jsonl file with a "text" field per line');
  }
  const ext = extname(path).toLowerCase();
  if (ext !== '.txt' && ext !== '.jsonl') {
    throw new LmbError('CORPUS_FORMAT_UNKNOWN', `corpus file ${path} is neither .txt nor .jsonl`, 'Rename it, or convert it to .txt (documents separated by blank lines) or .jsonl (one {"text": ...} per line)');
  }
  const text = decodeCorpus(readFileSync(path), path).replace(/\r\n?/g, '\n');
  const docs = ext === '.txt' ? textDocuments(text) : jsonlDocuments(text, path);
  if (docs.length === 0) throw new LmbError('CORPUS_EMPTY', `corpus file ${path} has no documents`, 'Put some text in it');
  return docs;
}

function decodeCorpus(bytes: Buffer, path: string): string {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) throw new LmbError('CORPUS_NOT_UTF8', `corpus file ${path} is not valid UTF-8 (near byte ${decoded.invalidAt})`, decoded.fix);
  return decoded.text;
}

const textDocuments = (text: string) => text.split(/\n[ \t]*\n/).map((d) => d.trim()).filter((d) => d.length > 0);

function jsonlDocuments(text: string, path: string): string[] {
  const docs: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new LmbError('CORPUS_INVALID', `line ${i + 1} of ${path} is not JSON (${thrownLine(e, 120)})`, 'Write one JSON object with a "text" field per line');
    }
    const doc = (value as { text?: unknown } | null)?.text;
    if (typeof doc !== 'string') throw new LmbError('CORPUS_INVALID', `line ${i + 1} of ${path} has no string "text" field`, 'Write one JSON object with a "text" field per line');
    const lone = loneSurrogateAt(doc);
    if (lone >= 0) {
      throw new LmbError('CORPUS_INVALID', `line ${i + 1} of ${path} has an unpaired surrogate \\u${doc.charCodeAt(lone).toString(16)} in its "text" (character ${lone}), which is not Unicode text`,
        'Write the text as valid Unicode: escaped surrogates must come in pairs, e.g. \\ud83d\\ude00');
    }
    if (doc.length > 0) docs.push(doc);
  });
  return docs;
}
