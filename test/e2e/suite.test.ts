// Several scenarios as one gated test (npm run suite): four in turn, each against its reference
// target started and stopped for it, one summary, one JSON, one JUnit with a test case per gate
// per scenario, one exit code; a gate crossed anywhere fails the suite (exit 99).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkVerdictPage } from '../../harness/report-check.ts';
import type { Report } from '../../lib/summary.ts';
import { HEADROOM, repoRoot } from '../helpers/k6.ts';

const suite = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/suite.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });
/** After the scenarios: `--`, the smoke profile, the headroom thresholds and a results dir of the test's own. */
const smokeArgs = (dir: string) => [
  '--',
  '-e',
  'PROFILE=smoke',
  '-e',
  `THRESHOLDS_FILE=${HEADROOM.THRESHOLDS_FILE}`,
  '-e',
  `RESULTS_DIR=${dir}`,
];
const written = (stdout: string) => {
  const m = /Suite results: (\S+\.json), (\S+\.xml)/.exec(stdout);
  assert.ok(m, stdout);
  return {
    json: JSON.parse(readFileSync(m[1]!, 'utf8')) as { exitCode: number; scenarios: { scenario: string; exitCode: number }[] },
    junit: readFileSync(m[2]!, 'utf8'),
  };
};

test('four scenarios, each against its own reference target: one summary, one JSON, one JUnit with every gate, exit 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-suite-'));
  const r = suite(['echo', 'keep-alive', 'burst', 'ws-hold', ...smokeArgs(dir)]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /floodgate suite · 4 scenarios/);
  for (const s of ['echo', 'keep-alive', 'burst', 'ws-hold'])
    assert.match(r.stdout, new RegExp(`^ {2}${s} +PASSED +(\\d+) of \\1 gates met`, 'm'));
  assert.match(r.stdout, /SUITE PASSED/);
  const { json, junit } = written(r.stdout);
  assert.deepEqual(
    json.scenarios.map((s) => [s.scenario, s.exitCode]),
    [
      ['echo', 0],
      ['keep-alive', 0],
      ['burst', 0],
      ['ws-hold', 0],
    ],
  );
  assert.equal((junit.match(/<testsuite /g) ?? []).length, 4);
  assert.match(junit, /<testcase classname="floodgate\.burst" name="over_limit_admitted_per_limit rate&lt;1\.25">/);
  assert.match(junit, /<testsuites name="floodgate-suite" tests="\d+" failures="0">/);
});

test('a gate crossed in one scenario of a suite file fails the suite (exit 99), and the JUnit and its verdict page name it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-suite-'));
  const file = join(dir, 'suite.json');
  // echo with a 1 ms patience: its requests time out, its error gate is crossed.
  writeFileSync(file, JSON.stringify({ scenarios: ['burst', { name: 'echo', args: ['-e', 'REQUEST_TIMEOUT=1ms'] }] }));
  const r = suite(['--file', file, ...smokeArgs(dir)]);
  assert.equal(r.status, 99, r.stdout + r.stderr);
  assert.match(r.stdout, /^ {2}echo +FAILED .*http_req_failed\{scenario:echo\}/m);
  assert.match(r.stdout, /SUITE FAILED: a gate crossed \(exit 99\)/);
  const { json, junit } = written(r.stdout);
  assert.equal(json.exitCode, 99);
  assert.match(junit, /<testcase classname="floodgate\.echo" name="http_req_failed\{scenario:echo\} rate&lt;0\.01"><failure /);
  // The scenario's own verdict page, as Chromium draws it: FAILED, and that gate, and only the crossed ones, marked red.
  const echoDir = join(
    dir,
    readdirSync(dir).find((f) => f.startsWith('suite-') && !f.includes('.'))!,
    'echo',
  );
  const page = readdirSync(echoDir).find((f) => f.endsWith('.html'))!;
  const report = JSON.parse(readFileSync(join(echoDir, page.replace(/\.html$/, '.json')), 'utf8')) as Report;
  const p = await checkVerdictPage(join(echoDir, page));
  assert.deepEqual(p.errors, []);
  assert.equal(p.verdict.state, 'fail');
  assert.match(p.verdict.text, /^FAILED: \d+ of \d+ thresholds crossed \(k6 exits 99\)$/);
  assert.deepEqual(
    p.gates.filter((g) => g.failed).map((g) => g.metric),
    report.failedThresholds,
  );
  assert.ok(report.failedThresholds.includes('http_req_failed{scenario:echo}'), `${report.failedThresholds}`);
  assert.equal(p.failedColour, 'rgb(180, 35, 24)', 'a crossed gate is drawn red');
});

test('a scenario that does not exist is refused before anything runs (exit 2), with the ones that do', () => {
  const r = suite(['echo', 'nope']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no scenario "nope"; scenarios: echo, keep-alive, burst/);
});
