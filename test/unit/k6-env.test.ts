// The environment the pack runs k6 with: a scenario's own GC target (GOGC) where the pack gives
// it one, found from the script on the command line, and never over a GOGC the caller set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GO_GC, k6Env } from '../../harness/k6-env.mjs';

test('ws-hold runs with the GOGC the pack gives it, whichever way its script is named', () => {
  for (const script of ['dist/ws-hold.js', '/abs/dist/ws-hold.js', 'ws-hold.js']) {
    assert.equal(k6Env({}, '/tmp', ['run', '-e', 'A=b.js', script]).GOGC, GO_GC['ws-hold'], script);
  }
});

test('the script is found among flags and key=value arguments, and an archive counts as its scenario', () => {
  assert.equal(k6Env({}, '/tmp', ['run', 'dist/ws-hold.js', '--out', 'json=a.js']).GOGC, GO_GC['ws-hold']);
  assert.equal(k6Env({}, '/tmp', ['run', 'dist/echo.js', '-e', 'F=/x/ws-hold.js']).GOGC, undefined);
  assert.equal(k6Env({}, '/tmp', ['run', '/tmp/ws-hold.tar']).GOGC, GO_GC['ws-hold']);
});

test('a scenario without one, or no script, leaves Go its default', () => {
  assert.equal(k6Env({}, '/tmp', ['run', 'dist/echo.js']).GOGC, undefined);
  assert.equal(k6Env({}, '/tmp', ['version']).GOGC, undefined);
  assert.equal(k6Env({}, '/tmp').GOGC, undefined);
});

test("the caller's GOGC wins", () => {
  assert.equal(k6Env({ GOGC: '100' }, '/tmp', ['run', 'dist/ws-hold.js']).GOGC, '100');
});
