import type { TextTokenizer } from '../../tokenize/tokenizer.js';
import type { TokenMatrix } from './matrix.js';
import type { TokenStore } from './store.js';

/** Every document's token ids, including the first token, which the matrix has no row for. */
export async function documentTokens(store: TokenStore, m: Pick<TokenMatrix, 'corpus' | 'doc' | 'position' | 'tokenId'>): Promise<number[][]> {
  const firsts = await store.rows<[number, number]>(
    `SELECT cd.doc_index, t.token_id FROM corpus_docs cd JOIN tokens t ON t.doc_id = cd.doc_id
     WHERE cd.corpus_id = $c AND t.position = 0 ORDER BY cd.doc_index`, { c: m.corpus });
  const docs: number[][] = [];
  for (const [d, id] of firsts) docs[d] = [id];
  for (let i = 0; i < m.doc.length; i++) docs[m.doc[i]][m.position[i]] = m.tokenId[i];
  return docs;
}

/** The `n` tokens before `position` in its document, decoded. */
export function precedingText(tok: TextTokenizer, doc: readonly number[], position: number, n: number): string {
  return tok.decode(doc.slice(Math.max(0, position - n), position));
}
