import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { LmbError } from '../../errors.js';

/**
 * The documents of a corpus file, in order: a `.txt` file's blocks separated by blank lines, or
 * the "text" field of each line of a `.jsonl` file. Each document is scored as its own sequence.
 */
export function readCorpus(path: string): string[] {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new LmbError('CORPUS_NOT_FOUND', `corpus file ${path} does not exist`, 'Pass --corpus a .txt file (documents separated by blank lines) or a .jsonl file with a "text" field per line');
  }
  const ext = extname(path).toLowerCase();
  if (ext !== '.txt' && ext !== '.jsonl') {
    throw new LmbError('CORPUS_FORMAT', `corpus file ${path} is neither .txt nor .jsonl`, 'Rename it, or convert it to .txt (documents separated by blank lines) or .jsonl (one {"text": ...} per line)');
  }
  const text = decodeUtf8(readFileSync(path), path).replace(/\r\n?/g, '\n');
  const docs = ext === '.txt' ? textDocuments(text) : jsonlDocuments(text, path);
  if (docs.length === 0) throw new LmbError('CORPUS_EMPTY', `corpus file ${path} has no documents`, 'Put some text in it');
  return docs;
}

function decodeUtf8(bytes: Buffer, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LmbError('CORPUS_NOT_UTF8', `corpus file ${path} is not valid UTF-8 (near byte ${firstInvalidByte(bytes)})`, 'Convert it to UTF-8, e.g. iconv -f latin1 -t utf-8');
  }
}

/** The offset where the first invalid UTF-8 sequence starts (the longest valid prefix, found by bisection). */
function firstInvalidByte(bytes: Buffer): number {
  const decodes = (n: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream });
      return true;
    } catch {
      return false;
    }
  };
  const valid = (n: number) => decodes(n, true);
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (valid(mid)) lo = mid;
    else hi = mid - 1;
  }
  // `lo` may end inside a sequence that the next byte breaks: step back to where it starts.
  for (let k = lo; k > Math.max(0, lo - 4); k--) if (decodes(k, false)) return k;
  return Math.max(0, lo - 3);
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
      throw new LmbError('CORPUS_INVALID', `line ${i + 1} of ${path} is not JSON (${(e as Error).message})`, 'Write one JSON object with a "text" field per line');
    }
    const doc = (value as { text?: unknown } | null)?.text;
    if (typeof doc !== 'string') throw new LmbError('CORPUS_INVALID', `line ${i + 1} of ${path} has no string "text" field`, 'Write one JSON object with a "text" field per line');
    if (doc.length > 0) docs.push(doc);
  });
  return docs;
}
