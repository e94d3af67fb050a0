/** Child process for cross-process tests: writes `count` outcomes, one call each, under one checkpoint key. */
import { ResultCache } from '../../harness/run/result-cache.js';

const [dir, key, prefix, count] = process.argv.slice(2);
const cache = new ResultCache(dir);
for (let i = 0; i < Number(count); i++) cache.write(key, new Map([[`${prefix}-${i}`, { pass: i % 2 === 0, output: `${prefix} ${i}` }]]));
