// The suite runs the docs' own-service examples as they are written: the reader of a page's
// command splits it as sh does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellWords } from '../helpers/doc-commands.ts';

test('words are split as sh splits them: single and double quotes, backslashes, runs of spaces', () => {
  assert.deepEqual(shellWords(`k6 run -e A='x{b="1",c=~"2|3"}' -e B="q \\"r\\""  dist/x.js`), [
    'k6',
    'run',
    '-e',
    'A=x{b="1",c=~"2|3"}',
    '-e',
    'B=q "r"',
    'dist/x.js',
  ]);
  assert.deepEqual(shellWords("a\\ b 'c d'e"), ['a b', 'c de']);
});
