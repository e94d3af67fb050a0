import { describe, expect, it } from 'vitest';
import { shownPath } from '../../harness/files/shown-path.js';

describe('shownPath', () => {
  it('is relative inside the working directory, absolute outside it', () => {
    expect(shownPath('/work/repo/behaviours/data/a.txt', '/work/repo')).toBe('behaviours/data/a.txt');
    expect(shownPath('/tmp/corpus.txt', '/work/repo')).toBe('/tmp/corpus.txt');
    expect(shownPath('/work/repository/x', '/work/repo')).toBe('/work/repository/x');
    expect(shownPath('/work/repo', '/work/repo')).toBe('/work/repo');
  });
});
