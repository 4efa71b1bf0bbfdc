// The k6 setup step: a second run finds the pinned k6 without building, and with neither k6 nor
// Go it stops saying how to get k6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const setup = fileURLToPath(new URL('../../harness/k6-setup.mjs', import.meta.url));

test('once set up, the pinned k6 is found again without building anything', () => {
  const r = spawnSync(process.execPath, [setup], { encoding: 'utf8', env: { ...process.env } });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /building/);
  const bin = r.stdout.trim();
  assert.match(spawnSync(bin, ['version'], { encoding: 'utf8' }).stdout, /^k6 v2\.2\.0 /);
});

test('with neither k6 nor Go it stops with the ways to get k6', () => {
  const nodeOnly = dirname(process.execPath);
  const hasGo = spawnSync(join(nodeOnly, 'go'), ['version']).status === 0;
  assert.ok(!hasGo, `this test needs a PATH with node and without go; ${nodeOnly} has go`);
  const r = spawnSync(process.execPath, [setup], {
    encoding: 'utf8',
    env: { PATH: nodeOnly, FLOODGATE_CACHE: mkdtempSync(join(tmpdir(), 'floodgate-nocache-')), HOME: tmpdir() },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /k6 v2\.2\.0 is needed and neither it nor Go was found/);
  assert.match(r.stderr, /package manager/);
  assert.match(r.stderr, /grafana\/k6:2\.2\.0/);
  assert.match(r.stderr, /go install go\.k6\.io\/k6\/v2@v2\.2\.0/);
});

test('K6_BINARY of another version is refused, naming the version wanted', () => {
  const r = spawnSync(process.execPath, [setup], { encoding: 'utf8', env: { ...process.env, K6_BINARY: process.execPath } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /floodgate pins k6 v2\.2\.0/);
});

test('the k6 the pack runs is stock: the pinned release, with no extension built into it', () => {
  const r = spawnSync(process.execPath, [setup], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const version = spawnSync(r.stdout.trim(), ['version'], { encoding: 'utf8' }).stdout;
  assert.match(version, /^k6 v2\.2\.0 /);
  // k6 lists what was compiled into it under "Extensions"; an unmodified k6 has none.
  assert.doesNotMatch(version, /k6\/x\/|Extensions/i);
});
