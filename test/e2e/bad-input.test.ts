// Bad input stops the run before any request, with a message saying what was wrong and what is
// allowed: the target's request counter stays at 0.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureK6 } from '../../harness/k6-setup.mjs';
import { dist, repoRoot, runK6 } from '../helpers/k6.ts';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';

let target: TargetProcess;
before(async () => {
  target = await startTarget('echo');
});
after(async () => {
  await target.stop();
});

/** Requests the target answered, /metrics aside. */
const served = () => target.metric('http_requests_total');

test('a bad -e value exits non-zero naming the key, the value and what is allowed; no request is sent', async () => {
  const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: target.url, THINK_TIME: 'soon', STAGES: '10s' });
  assert.equal(r.code, 107);
  assert.match(r.stderr, /-e THINK_TIME=\\?"soon\\?" is not allowed: expected a number from 0 to 3600/);
  assert.match(r.stderr, /-e STAGES=\\?"10s\\?" is not allowed: expected comma-separated duration:target pairs/);
  assert.equal(r.report, undefined, 'no summary: the test never started');
  assert.equal(await served(), 0);
});

test('an unknown profile is refused with the allowed ones', async () => {
  const r = await runK6(dist('echo'), { PROFILE: 'huge', BASE_URL: target.url });
  assert.equal(r.code, 107);
  assert.match(r.stderr, /-e PROFILE=\\?"huge\\?" is not allowed: expected one of full, smoke/);
  assert.equal(await served(), 0);
});

test('a malformed thresholds file exits non-zero naming the file and the problem; no request is sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-thresholds-'));
  const file = join(dir, 'broken.json');
  writeFileSync(file, '{"echo": {"http_req_failed": ["rate<0.01"],}}');
  const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: target.url, THRESHOLDS_FILE: file });
  assert.equal(r.code, 107);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')} is not valid JSON`));
  const missing = join(dir, 'no-echo.json');
  writeFileSync(missing, '{"burst": {"checks": ["rate>0.99"]}}');
  const r2 = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: target.url, THRESHOLDS_FILE: missing });
  assert.equal(r2.code, 107);
  assert.match(r2.stderr, /has no section \\?"echo\\?"/);
  assert.equal(await served(), 0);
});

test('a host that is not loopback is refused, saying how to allow it; nothing is sent', async () => {
  const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: 'http://echo.invalid:8081' });
  assert.equal(r.code, 107);
  assert.match(r.stderr, /refusing to send load to echo.invalid/);
  assert.match(r.stderr, /-e ALLOWED_HOSTS=echo.invalid/);
  assert.equal(await served(), 0);
});

test('an allowed host passes the check; one that does not answer stops the run in setup (exit 108) with a clear message', async () => {
  const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: 'http://echo.invalid:8081', ALLOWED_HOSTS: 'echo.invalid' });
  assert.equal(r.code, 108);
  assert.match(r.stderr, /target http:\/\/echo.invalid:8081 is unreachable/);
  assert.doesNotMatch(r.stderr, /refusing/);
});

test('a target nobody listens on stops the run in setup (exit 108), naming the error and the option to check', async () => {
  const r = await runK6(dist('echo'), { PROFILE: 'smoke' }, ['--env', 'BASE_URL=http://127.0.0.1:9']);
  assert.equal(r.code, 108);
  assert.match(r.stderr, /target http:\/\/127.0.0.1:9 is unreachable \(dial: connection refused\); check -e BASE_URL/);
});

test('thresholds.json is read at run time: an edit applies to the next run of the same bundle, no rebuild', async () => {
  // A copy of the layout: dist/echo.js next to a thresholds.json one level up, edited.
  const root = mkdtempSync(join(tmpdir(), 'floodgate-edit-'));
  mkdirSync(join(root, 'dist'));
  copyFileSync(dist('echo'), join(root, 'dist', 'echo.js'));
  const thresholds = JSON.parse(readFileSync(join(repoRoot, 'thresholds.json'), 'utf8'));
  thresholds.echo['http_req_duration{scenario:echo}'] = ['p(95)<0.001'];
  writeFileSync(join(root, 'thresholds.json'), JSON.stringify(thresholds));
  const r = await runK6(join(root, 'dist', 'echo.js'), { PROFILE: 'smoke', BASE_URL: target.url, STAGES: '2s:2' });
  assert.equal(r.code, 99, r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['http_req_duration{scenario:echo}']);
});

test('k6 archive includes thresholds.json', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'floodgate-archive-')), 'echo.tar');
  execFileSync(ensureK6(), ['archive', '--quiet', '-e', 'SKIP_PREFLIGHT=true', '-O', out, dist('echo')], { cwd: repoRoot });
  const listing = execFileSync('tar', ['-tf', out], { encoding: 'utf8' });
  assert.match(listing, /thresholds\.json/);
});

test('a results directory that does not exist stops plain `k6 run` before any load, naming it; the summary names no file', async () => {
  const missing = join(mkdtempSync(join(tmpdir(), 'floodgate-results-')), 'nope', 'a', 'b');
  // Earlier tests here ran load: what counts is that this one adds none.
  const before = await served();
  const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: target.url, RESULTS_DIR: missing });
  assert.equal(r.code, 107);
  assert.match(r.stderr, new RegExp(`-e RESULTS_DIR=${missing}: ${missing}: no such directory`));
  assert.match(r.stderr, /mkdir -p/);
  assert.doesNotMatch(r.stdout, /Results:/);
  assert.equal(await served(), before);
  // A file where a directory is asked for, relative to where k6 runs (PWD): refused as well.
  const r2 = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: target.url, RESULTS_DIR: 'package.json' });
  assert.equal(r2.code, 107);
  assert.match(r2.stderr, /package\.json: it is a file, not a directory/);
  assert.equal(await served(), before);
});

test('npm run k6 creates the results directory it is given, and the summary names the files it wrote there', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'floodgate-results-')), 'x', 'y');
  const out = execFileSync(
    'node',
    [
      'scripts/k6.mjs',
      'run',
      '--quiet',
      '-e',
      'PROFILE=smoke',
      '-e',
      'STAGES=2s:5',
      '-e',
      `BASE_URL=${target.url}`,
      '-e',
      `RESULTS_DIR=${dir}`,
      dist('echo'),
    ],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, K6_BINARY: ensureK6() } },
  );
  const named = /Results: (\S+\.json), (\S+\.xml)/.exec(out);
  assert.ok(named, out);
  const report = JSON.parse(readFileSync(named[1]!, 'utf8')) as { verdict: string; provenance: Record<string, unknown> };
  assert.ok(report.verdict, 'the JSON it names is written');
  // Where the result came from (lib/provenance.ts): what npm run k6 can tell k6, and the knobs as given.
  const p = report.provenance as { commit: string; k6: string; machine: { cores: unknown }; knobs: Record<string, string>; testid: string };
  assert.match(p.commit, /^[0-9a-f]{40}$/);
  assert.match(p.k6, /^k6 v2\.2\.0 /);
  assert.equal(typeof p.machine.cores, 'number');
  assert.equal(p.knobs.STAGES, '2s:5');
  assert.equal(p.testid, 'unknown', 'no --tag testid given');
  assert.match(readFileSync(named[2]!, 'utf8'), /<testsuites/);
  assert.ok(named[1]!.startsWith(dir));
});
