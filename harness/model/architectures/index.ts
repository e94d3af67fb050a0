import type { Architecture } from './architecture.js';
import { gpt2 } from './gpt2.js';

/** config.json `model_type` -> architecture. Adding an architecture is one file and one row. */
export const ARCHITECTURES: Readonly<Record<string, Architecture<any>>> = Object.freeze({
  gpt2,
});
