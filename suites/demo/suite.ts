import { fileURLToPath } from 'node:url';
import { localSuite } from '../../harness/suite/local-suite.js';

// tools/train-demo-family.py: batches of 16 windows of 128 predicted tokens.
export default localSuite(fileURLToPath(new URL('./runs', import.meta.url)), { name: 'demo', tokensPerStep: 16 * 128 });
