import chalk from 'chalk';
import type { TokenScores } from '../score/scorer.js';
import type { TextTokenizer } from '../tokenize/tokenizer.js';

export interface TokenRecord {
  position: number;
  token_id: number;
  token: string | null;
  logprob: number | null;
  top1_id: number | null;
}

/** One record per token, in order: the `--format jsonl` schema. */
export function tokenRecords(s: TokenScores, tok?: TextTokenizer): TokenRecord[] {
  return s.ids.map((id, t) => ({
    position: t,
    token_id: id,
    token: tok ? tok.tokenText(id) : null,
    logprob: t === 0 ? null : s.logprobs[t],
    top1_id: t === 0 ? null : s.top1[t],
  }));
}

/** Loss (nats) to colour: green under 1, yellow to 4, red above. */
function paint(loss: number | null, text: string): string {
  if (loss === null) return chalk.dim(text);
  if (loss < 1) return chalk.green(text);
  if (loss < 4) return chalk.yellow(text);
  return chalk.red(text);
}

/** The human view: each token coloured by its loss, then a summary line. */
export function printTokenTable(s: TokenScores, tok?: TextTokenizer, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): void {
  const records = tokenRecords(s, tok);
  const show = (id: number | null) => (id === null ? '' : JSON.stringify(tok ? tok.tokenText(id) : String(id)));
  out(chalk.bold(['pos'.padStart(5), 'token'.padEnd(20), 'logprob'.padStart(9), 'top-1'].join('  ')));
  for (const r of records) {
    const loss = r.logprob === null ? null : -r.logprob;
    out([String(r.position).padStart(5), paint(loss, show(r.token_id).padEnd(20)),
      (r.logprob === null ? '-' : r.logprob.toFixed(3)).padStart(9), show(r.top1_id)].join('  '));
  }
  const scored = records.filter((r) => r.logprob !== null);
  const nll = scored.reduce((a, r) => a - r.logprob!, 0);
  const hits = scored.filter((r) => r.top1_id === r.token_id).length;
  out(`${records.map((r) => paint(r.logprob === null ? null : -r.logprob, tok ? tok.tokenText(r.token_id) : `${r.token_id} `)).join('')}`);
  if (scored.length) {
    out(chalk.bold(`${scored.length} tokens scored: mean loss ${(nll / scored.length).toFixed(4)} nats, ` +
      `perplexity ${Math.exp(nll / scored.length).toFixed(2)}, top-1 accuracy ${((100 * hits) / scored.length).toFixed(1)}%`));
  }
}
