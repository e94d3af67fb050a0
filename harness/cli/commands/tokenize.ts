import { Command, Option } from 'commander';
import { LmbError } from '../../errors.js';
import { readText, tokenizerOf } from '../text-input.js';

interface TokenizeFlags {
  model?: string;
  tokenizer?: string;
  text: string;
  format: 'json' | 'table';
}

export function tokenizeCommand(): Command {
  return new Command('tokenize')
    .description('a tokenizer\'s ids and tokens for a text, exactly as lmb score feeds them to the model: a llama2.c tokenizer starts them with BOS (1), as llama2.c does; Hugging Face tokenizers (tokenizer.json, vocab.json + merges.txt) add no BOS or EOS')
    .option('--model <path>', 'use the tokenizer beside this checkpoint (its folder, or the folder of its weight file)')
    .option('--tokenizer <path>', 'a tokenizer folder, one of its files, or a llama2.c tok*.bin')
    .requiredOption('--text <file>', "the text ('-' for stdin)")
    .addOption(new Option('--format <format>', 'json: {"ids": [...], "tokens": [...]}; table: one line per token').choices(['json', 'table']).default('json'))
    .action((flags: TokenizeFlags) => {
      if (flags.model === undefined && flags.tokenizer === undefined) {
        throw new LmbError('OPTION_INVALID', 'lmb tokenize needs --model PATH or --tokenizer PATH', 'e.g. lmb tokenize --tokenizer checkpoint/ --text input.txt');
      }
      const tokenizer = tokenizerOf(flags);
      const ids = tokenizer.encode(readText(flags.text));
      const tokens = ids.map((id) => tokenizer.tokenText(id));
      if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify({ ids, tokens })}\n`);
        return;
      }
      const width = String(ids.length - 1).length;
      ids.forEach((id, i) => process.stdout.write(`${String(i).padStart(width)}  ${String(id).padStart(6)}  ${JSON.stringify(tokens[i])}\n`));
    });
}
