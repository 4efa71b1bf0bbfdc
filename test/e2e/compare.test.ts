// Is this build slower than the last? npm run compare as a CI gate, on real k6 runs: two runs of
// the same build against two more are within noise (exit 0); the same target with 50 ms added to
// every answer (its --delay-ms) regresses on latency, named (exit 99); runs of different tests
// are refused, saying what differs (exit 2), unless told to compare them anyway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';
import { checkVerdictPage } from '../../harness/report-check.ts';
import { dist, repoRoot, runK6 } from '../helpers/k6.ts';

const root = mkdtempSync(join(tmpdir(), 'floodgate-compare-'));
const dir = (name: string) => join(root, name);
let healthy: TargetProcess;

/** An echo smoke run against `url`, its results into `into` (made first: k6 cannot make it). */
async function echoRun(url: string, into: string, env: Record<string, string> = {}) {
  mkdirSync(into, { recursive: true });
  const before = readdirSync(into).length;
  const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: url, RESULTS_DIR: into, ...env });
  assert.ok(readdirSync(into).length > before, r.stdout + r.stderr);
}

const compare = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/compare.ts', '--out', dir('out'), ...args], { cwd: repoRoot, encoding: 'utf8' });

before(async () => {
  healthy = await startTarget('echo');
  for (const side of ['baseline', 'current']) for (let i = 0; i < 2; i++) await echoRun(healthy.url, dir(side));
});
after(async () => {
  await healthy.stop();
});

test('two runs of the same build against two more: every row within noise, nothing regressed (exit 0)', () => {
  const r = compare(dir('baseline'), dir('current'));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /baseline 2 run\(s\), current 2 run\(s\)/);
  assert.match(r.stdout, /NO REGRESSION/);
  assert.doesNotMatch(r.stdout, /^regressed/m);
  assert.match(r.stdout, /^within noise +http_req_duration\{scenario:echo\} p\(95\)</m);
  const written = readdirSync(dir('out'));
  assert.ok(
    written.some((f) => /^compare-echo-.*\.json$/.test(f)) && written.some((f) => /^compare-echo-.*\.xml$/.test(f)),
    written.join(', '),
  );
});

test('the same scenario against a build 50 ms slower on every answer: regressed on latency, named (exit 99)', async () => {
  const slow = await startTarget('echo', ['--delay-ms', '50']);
  try {
    await echoRun(slow.url, dir('slow'));
  } finally {
    await slow.stop();
  }
  const r = compare(dir('baseline'), dir('slow'));
  assert.equal(r.status, 99, r.stdout + r.stderr);
  assert.match(r.stdout, /^regressed +http_req_duration\{scenario:echo\} p\(95\)</m);
  assert.match(r.stdout, /^regressed +http_req_duration p\(95\)/m);
  assert.match(r.stdout, /REGRESSED: .*http_req_duration/);
  // The page beside the JSON and JUnit, as Chromium draws it: baseline beside current, the regressions marked.
  const page = /Comparison: \S+\.json, \S+\.xml, (\S+\.html)/.exec(r.stdout)?.[1];
  assert.ok(page, r.stdout);
  const p = await checkVerdictPage(page);
  assert.deepEqual(p.errors, []);
  assert.equal(p.verdict.state, 'regressed');
  assert.match(p.verdict.text, /^REGRESSED: .*http_req_duration/);
  const p95 = p.rows.find((row) => row.name.startsWith('http_req_duration{scenario:echo} p(95)<'))!;
  assert.equal(p95.verdict, 'regressed');
  assert.ok(Number.parseFloat(p95.current) > Number.parseFloat(p95.baseline) + 40, `${p95.baseline} -> ${p95.current}`);
  assert.equal(
    p.rows.filter((row) => row.verdict === 'regressed').length,
    (/REGRESSED: (.*) \(exit 99\)/.exec(r.stdout)![1]!.match(/; /g) ?? []).length + 1,
  );
  assert.equal(p.failedColour, 'rgb(180, 35, 24)', 'a regression is drawn red');
});

test('runs of another test are refused, naming what differs (exit 2), unless told to compare them anyway', async () => {
  await echoRun(healthy.url, dir('bigger'), { PAYLOAD_BYTES: '512' });
  const r = compare(dir('baseline'), dir('bigger'));
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /not the same test: PAYLOAD_BYTES=64 vs 512\. Compare runs of one scenario, profile and knobs, or pass --allow-different/,
  );
  const anyway = compare('--allow-different', dir('baseline'), dir('bigger'));
  assert.ok(anyway.status === 0 || anyway.status === 99, anyway.stderr);
  assert.match(anyway.stdout, /knobs that differ \(compared as asked\): PAYLOAD_BYTES/);
  const nothing = compare(dir('baseline'), join(root, 'nope'));
  assert.equal(nothing.status, 2);
  assert.match(nothing.stderr, /current .*nope: no such file or directory/);
});
