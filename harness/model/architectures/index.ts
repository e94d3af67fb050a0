import type { Architecture } from './architecture.js';
import { gpt2 } from './gpt2.js';
import { gptNeox } from './gpt-neox.js';
import { llama } from './llama.js';

/**
 * config.json `model_type` -> architecture. Adding an architecture is one file and one row.
 * `llama2c` is the model_type a llama2.c `.bin` header stands for (it has no config.json).
 */
export const ARCHITECTURES: Readonly<Record<string, Architecture<any>>> = Object.freeze({
  gpt2,
  gpt_neox: gptNeox,
  llama2c: llama,
});
