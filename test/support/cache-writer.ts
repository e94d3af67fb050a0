/** Child process for cross-process tests: writes `count` stored answers, one call each, under one checkpoint key. */
import { AnswerCache } from '../../harness/run/answer-cache.js';
import type { StoredAnswer } from '../../harness/run/stored-answer.js';

const [dir, key, prefix, count] = process.argv.slice(2);
const cache = new AnswerCache(dir);
for (let i = 0; i < Number(count); i++) cache.write(key, new Map<string, StoredAnswer>([[`${prefix}-${i}`, { kind: 'greedy', tokens: [i] }]]));
