#!/usr/bin/env node
// Runs the TypeScript sources directly (through tsx), so there is no build step to forget.
import { register } from 'tsx/esm/api';

// `lmb score ... | head -1`: a reader that stops early ends the run quietly, as a Unix filter does.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
register();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
