// One verdict over every runner, with real k6 and a private InfluxDB: `npm run operator` writes
// the TestRun, and its runners run as k6-operator v1.6.0 runs them, each k6 process with the
// command line the operator gives its pod (segment and sequence, the TestRun's arguments with the
// testid tag and InfluxDB output, the archive from the ConfigMap, paused until all are started),
// then `npm run verdict` over their samples. Two runners that each pass a count gate fail it
// together (exit 99); the shipped gates pass over both (exit 0); and the verdict's p95 of one
// runner's samples is k6's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOperatorArgs, writeOperator } from '../../harness/operator.ts';
import { startInfluxDB, type Service } from '../../harness/services.ts';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';
import { HEADROOM, k6Values, repoRoot, type K6Result } from '../helpers/k6.ts';
import { runTestRun, type RunnerResult } from '../helpers/operator-runners.ts';

let influx: Service;
let echo: TargetProcess;
let burst: TargetProcess;
before(async () => {
  [influx, echo, burst] = await Promise.all([startInfluxDB(), startTarget('echo'), startTarget('burst', ['--mode', 'naive'])]);
});
after(async () => {
  await Promise.all([influx.stop(), echo.stop(), burst.stop()]);
});

/** A service name the cluster would resolve; here k6's hosts map it to the target on loopback (.invalid never resolves). */
const service = (name: string, target: TargetProcess) => {
  const host = `${name}.floodgate.invalid`;
  return { env: { BASE_URL: target.url.replace('127.0.0.1', host), ALLOWED_HOSTS: host }, hosts: { [host]: '127.0.0.1' } };
};

/**
 * `npm run operator` for `runners` pods streaming to the private InfluxDB, then each runner run
 * as k6-operator runs it (test/helpers/operator-runners.ts): the TestRun's own command lines.
 */
async function runners(
  scenario: string,
  testid: string,
  runnersCount: number,
  aim: ReturnType<typeof service>,
  env: Record<string, string>,
) {
  const out = mkdtempSync(join(tmpdir(), 'floodgate-operator-'));
  const knobs = Object.entries({ PROFILE: 'smoke', ...aim.env, ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const args = [
    scenario,
    '--parallelism',
    String(runnersCount),
    '--influxdb',
    `${influx.url}/k6`,
    '--testid',
    testid,
    '--out',
    out,
    ...knobs,
  ];
  writeOperator(parseOperatorArgs(args), () => {});
  const { runners } = await runTestRun(out, aim.hosts);
  return runners;
}

/** The summary a runner wrote into its working directory (the TestRun's RESULTS_DIR=.), as in its pod. */
function runnerReport(r: RunnerResult): Pick<K6Result, 'report'> {
  const json = readdirSync(r.cwd).find((f) => f.endsWith('.json'));
  assert.ok(json, `runner ${r.index} saved no summary:\n${r.out}`);
  return { report: JSON.parse(readFileSync(join(r.cwd, json), 'utf8')) as K6Result['report'] };
}

/** `npm run verdict` as a user runs it, its report read back. */
async function verdict(
  scenario: string,
  testid: string,
  extra: string[] = [],
): Promise<{ code: number | null; out: string; report: K6Result['report'] }> {
  const results = mkdtempSync(join(tmpdir(), 'floodgate-verdict-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/verdict.ts',
      scenario,
      '--testid',
      testid,
      '--influxdb',
      `${influx.url}/k6`,
      '--results',
      results,
      ...extra,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const json = readdirSync(results).find((f) => f.endsWith('.json'));
  return { code, out, report: json ? JSON.parse(readFileSync(join(results, json), 'utf8')) : undefined };
}

test('two runners that each pass a count gate fail it together: the verdict over both exits 99', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-thresholds-'));
  const file = join(dir, 'thresholds.json');
  // 20 users at 5 req/s for 4 s: 400 requests, 200 a runner, each under 300.
  writeFileSync(file, JSON.stringify({ burst: { 'http_reqs{scenario:burst}': ['count<300'] } }));
  const env = { USERS: '20', DURATION: '4s', OVER_RATE: '0', THRESHOLDS_FILE: file };
  const parts = await runners('burst', 'count-over-two', 2, service('burst', burst), env);
  // Each runner judged its own half and passed count<300 (exit 0).
  assert.deepEqual(
    parts.map((p) => p.argv.filter((a) => a.startsWith('--execution-segment='))),
    [['--execution-segment=0:1/2'], ['--execution-segment=1/2:1']],
  );
  for (const p of parts) {
    assert.equal(p.code, 0, p.out);
    // The pod has no results/: the TestRun's RESULTS_DIR=. keeps the end-of-test summary saved.
    assert.doesNotMatch(p.out, /failed to handle the end-of-test summary/);
  }
  const v = await verdict('burst', 'count-over-two', ['--thresholds', file]);
  assert.equal(v.code, 99, v.out);
  assert.deepEqual(v.report!.failedThresholds, ['http_reqs{scenario:burst}']);
  const total = v.report!.thresholds[0]!.observed!;
  // About 400 (20 users x 5 req/s x 4 s, split over the two); past the gate of 300 only together.
  assert.ok(total >= 300, `${total} requests over both runners`);
  assert.match(v.out, /FAILED/);
});

test("the shipped gates over two runners' samples pass as one run's would (exit 0)", async () => {
  const parts = await runners('echo', 'echo-over-two', 2, service('echo', echo), { ...HEADROOM, STAGES: '3s:6' });
  for (const p of parts) assert.equal(p.code, 0, p.out);
  const v = await verdict('echo', 'echo-over-two', ['--thresholds', HEADROOM.THRESHOLDS_FILE]);
  assert.equal(v.code, 0, v.out);
  const requests = parts.reduce((s, p) => s + k6Values(runnerReport(p), 'http_reqs').count!, 0);
  assert.equal(v.report!.requests.count, requests, 'every request of both runners');
});

test("the verdict's percentiles are exact: one process's p95 and p99 from InfluxDB equal k6's own", async () => {
  const [one] = await runners('echo', 'echo-alone', 1, service('echo', echo), { ...HEADROOM, STAGES: '3s:6' });
  assert.equal(one!.code, 0, one!.out);
  const v = await verdict('echo', 'echo-alone', ['--thresholds', HEADROOM.THRESHOLDS_FILE]);
  assert.equal(v.code, 0, v.out);
  const key = 'http_req_duration{scenario:echo}';
  const mine = (v.report as unknown as { k6: Record<string, { values: Record<string, number> }> }).k6[key]!.values;
  const k6s = k6Values(runnerReport(one!), key);
  for (const stat of ['p(95)', 'p(99)', 'count', 'max'])
    assert.ok(Math.abs(mine[stat]! - k6s[stat]!) < 1e-9, `${stat}: ${mine[stat]} vs k6's ${k6s[stat]}`);
});

test('a test id nobody wrote, or an unknown scenario, is refused with what to do (exit 2)', async () => {
  const nobody = await verdict('echo', 'nobody-wrote-this');
  assert.equal(nobody.code, 2);
  assert.match(nobody.out, /holds no samples tagged testid=nobody-wrote-this: run every runner with --tag testid=nobody-wrote-this/);
  const unknown = await verdict('nope', 'x');
  assert.equal(unknown.code, 2);
  assert.match(unknown.out, /no scenario "nope"/);
});

test('fanout streaming to InfluxDB tags its parts with one testid and lets the exact verdict decide (exit 0)', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/fanout.ts',
      'echo',
      '--procs',
      '2',
      '-e',
      'PROFILE=smoke',
      '-e',
      'STAGES=3s:6',
      '-e',
      `BASE_URL=${echo.url}`,
      '-e',
      `THRESHOLDS_FILE=${HEADROOM.THRESHOLDS_FILE}`,
      '--out',
      `influxdb=${influx.url}/k6`,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out);
  const m = /Exact verdict over every part's samples in InfluxDB \(testid (\S+)\)/.exec(out);
  assert.ok(m, out);
  assert.match(out.slice(m.index), /PASSED/);
  // Both parts' samples carry the id: the verdict read the whole test.
  const again = await verdict('echo', m[1]!, ['--thresholds', HEADROOM.THRESHOLDS_FILE]);
  assert.equal(again.code, 0, again.out);
});
