// Results are never lost silently: the results directory is judged in k6's init context from
// what open() says of it (lib/results-dir.ts), and the pack's own commands create it first
// (harness/results-dir.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkResultsDir } from '../../lib/results-dir.ts';
import { ensureResultsDir, envArg, freshBase } from '../../harness/results-dir.mjs';

// What k6 v2.2.0's open() throws, as measured with the pinned binary.
const throws = (message: string) => () => {
  // eslint-disable-next-line no-throw-literal -- k6 throws a GoError whose String() is this
  throw `GoError: ${message}`;
};

test('a directory is known to exist: open() refuses directories', () => {
  assert.deepEqual(checkResultsDir('/tmp/r', undefined, throws('open() can\'t be used with directories, path: "/tmp/r"')), {
    state: 'exists',
    path: '/tmp/r',
  });
  assert.equal(checkResultsDir('.', undefined, throws('never called')).state, 'exists');
});

test('a missing directory, a file, or a path through a file is refused with what it is', () => {
  const missing = checkResultsDir('out/a', '/work', throws('stat /work/out/a: no such file or directory'));
  assert.deepEqual(missing, { state: 'refused', path: '/work/out/a', why: 'no such directory' });
  assert.equal(checkResultsDir('/tmp/f', undefined, () => 'text').state, 'refused');
  assert.match(
    (checkResultsDir('/etc/hostname/x', undefined, throws('stat /etc/hostname/x: not a directory')) as { why: string }).why,
    /is a file/,
  );
});

test('what cannot be known here is not refused: a relative path without PWD, a k6 archive', () => {
  assert.equal(checkResultsDir('out', undefined, throws('never called')).state, 'unknown');
  assert.equal(checkResultsDir('/runner/out', undefined, throws('open /runner/out: file does not exist')).state, 'unknown');
});

test("-e RESULTS_DIR is read in each of k6's spellings, the last one winning", () => {
  assert.equal(envArg(['run', '-e', 'RESULTS_DIR=a', 'x.js'], 'RESULTS_DIR'), 'a');
  assert.equal(envArg(['run', '--env', 'RESULTS_DIR=b', '-eRESULTS_DIR=c'], 'RESULTS_DIR'), 'c');
  assert.equal(envArg(['run', '--env=RESULTS_DIR=d'], 'RESULTS_DIR'), 'd');
  assert.equal(envArg(['run', '-e', 'RESULTS_DIRX=e'], 'RESULTS_DIR'), undefined);
});

test('the pack creates the results directory before k6 runs, and refuses one it cannot make', () => {
  const root = mkdtempSync(join(tmpdir(), 'floodgate-results-'));
  const made = ensureResultsDir(['run', '-e', 'RESULTS_DIR=x/y'], root);
  assert.equal(made, join(root, 'x', 'y'));
  assert.ok(existsSync(made));
  writeFileSync(join(root, 'file'), '');
  assert.throws(() => ensureResultsDir(['run', '-e', 'RESULTS_DIR=file/z'], root), /RESULTS_DIR=file\/z: cannot create or write .*file\/z/);
});

test('files written in the same second as earlier ones get a base of their own, never overwriting them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-fresh-'));
  const base = join(dir, 'compare-echo-2026-12-04T08-07-59Z');
  assert.equal(freshBase(base, ['.json', '.xml']), base);
  writeFileSync(`${base}.xml`, '');
  assert.equal(freshBase(base, ['.json', '.xml']), `${base}-2`, 'any one of the extensions taken is enough');
  writeFileSync(`${base}-2.json`, '');
  assert.equal(freshBase(base, ['.json', '.xml']), `${base}-3`);
});
