import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { LmbError } from '../../errors.js';
import { loadModel } from '../../model/load.js';
import { Scorer } from '../../score/scorer.js';
import { checkTokenizerFits, type TextTokenizer } from '../../tokenize/tokenizer.js';
import { modelOptions, positiveInt, sessionOptionsOf, type ModelFlags } from '../options.js';
import { readText, tokenizerOf } from '../text-input.js';
import { printTokenTable, tokenRecords } from '../token-output.js';

interface ScoreFlags extends ModelFlags {
  model: string;
  text?: string;
  ids?: number[];
  tokenizer?: string;
  format: 'jsonl' | 'table';
  stride?: number;
}

export function scoreCommand(): Command {
  return modelOptions(new Command('score'))
    .description("per-token log-probs and top-1 predictions of a model on a text or token ids")
    .requiredOption('--model <path>', 'checkpoint directory, pytorch_model.bin / model.safetensors, llama2.c .bin, or .onnx file')
    .option('--text <file>', "text file to score ('-' for stdin)")
    .option('--ids <ids>', 'comma-separated token ids', parseIds)
    .option('--tokenizer <path>', 'directory with tokenizer files, or a llama2.c tok*.bin (default: beside the model)')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'table']).default('jsonl'))
    .option('--stride <n>', 'window step for texts longer than the context (default: half the context)', positiveInt('--stride'))
    .action(async (flags: ScoreFlags) => runScore(flags));
}

async function runScore(flags: ScoreFlags): Promise<void> {
  if ((flags.text === undefined) === (flags.ids === undefined)) {
    throw new LmbError('OPTION_INVALID', 'give exactly one of --text FILE or --ids 1,2,3', 'e.g. lmb score --model DIR --text input.txt');
  }
  // Inputs first: a typo in a path should not cost a model load.
  if (!existsSync(flags.model)) throw new LmbError('FILE_MISSING', `${flags.model} does not exist`, 'Check the --model path');
  const tokenizer = tokenizerFor(flags);
  const ids = flags.ids ?? tokenizer!.encode(readText(flags.text!));
  const model = await loadModel(flags.model, sessionOptionsOf(flags));
  try {
    if (tokenizer) checkTokenizerFits(tokenizer, model.vocabSize, flags.tokenizer ?? flags.model);
    const [scores] = await new Scorer(model, { stride: flags.stride }).score([ids]);
    if (flags.format === 'table') printTokenTable(scores, tokenizer);
    else for (const r of tokenRecords(scores, tokenizer)) process.stdout.write(`${JSON.stringify(r)}\n`);
  } finally {
    await model.dispose();
  }
}

/** Required for --text; with --ids only used, when found, to show each token's text. */
function tokenizerFor(flags: ScoreFlags): TextTokenizer | undefined {
  try {
    return tokenizerOf(flags);
  } catch (e) {
    if (flags.ids && !flags.tokenizer && e instanceof LmbError && e.code === 'TOKENIZER_MISSING') return undefined;
    throw e;
  }
}

function parseIds(value: string): number[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!ids.length || ids.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new LmbError('OPTION_INVALID', `--ids must be comma-separated non-negative integers, got "${value}"`, 'e.g. --ids 464,3290,318');
  }
  return ids;
}

