// One verdict over every runner, with real k6 and a private InfluxDB: k6 processes each running
// their --execution-segment of one test, as k6-operator's runners do (segment, sequence, a
// testid and an instance_id tag, the InfluxDB output), then `npm run verdict` over their
// samples. Two runners that each pass a count gate fail it together (exit 99); the shipped
// gates pass over both (exit 0); and the verdict's p95 of one process's samples is k6's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInfluxDB, type Service } from '../../harness/services.ts';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';
import { HEADROOM, dist, k6Values, repoRoot, runK6, type K6Result } from '../helpers/k6.ts';

let influx: Service;
let echo: TargetProcess;
let burst: TargetProcess;
before(async () => {
  [influx, echo, burst] = await Promise.all([startInfluxDB(), startTarget('echo'), startTarget('burst', ['--mode', 'naive'])]);
});
after(async () => {
  await Promise.all([influx.stop(), echo.stop(), burst.stop()]);
});

/** `runners` k6 processes, each its segment of the test, as the operator starts them. */
function runners(scenario: string, testid: string, runnersCount: number, env: Record<string, string>): Promise<K6Result[]> {
  const cuts = Array.from({ length: runnersCount + 1 }, (_, i) => (i === 0 ? '0' : i === runnersCount ? '1' : `${i}/${runnersCount}`));
  return Promise.all(
    cuts
      .slice(0, -1)
      .map((from, i) =>
        runK6(dist(scenario), { PROFILE: 'smoke', ...env }, [
          '--execution-segment',
          `${from}:${cuts[i + 1]}`,
          '--execution-segment-sequence',
          cuts.join(','),
          '--tag',
          `testid=${testid}`,
          '--tag',
          `instance_id=${i + 1}`,
          '--out',
          `influxdb=${influx.url}/k6`,
        ]),
      ),
  );
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
  const { readdirSync, readFileSync } = await import('node:fs');
  const json = readdirSync(results).find((f) => f.endsWith('.json'));
  return { code, out, report: json ? JSON.parse(readFileSync(join(results, json), 'utf8')) : undefined };
}

test('two runners that each pass a count gate fail it together: the verdict over both exits 99', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-thresholds-'));
  const file = join(dir, 'thresholds.json');
  // 20 users at 5 req/s for 4 s: 400 requests, 200 a runner, each under 300.
  writeFileSync(file, JSON.stringify({ burst: { 'http_reqs{scenario:burst}': ['count<300'] } }));
  const env = { BASE_URL: burst.url, USERS: '20', DURATION: '4s', OVER_RATE: '0', THRESHOLDS_FILE: file };
  const parts = await runners('burst', 'count-over-two', 2, env);
  for (const p of parts) {
    assert.equal(p.code, 0, p.stdout + p.stderr);
    assert.ok(k6Values(p, 'http_reqs{scenario:burst}').count! < 300);
  }
  const v = await verdict('burst', 'count-over-two', ['--thresholds', file]);
  assert.equal(v.code, 99, v.out);
  assert.deepEqual(v.report!.failedThresholds, ['http_reqs{scenario:burst}']);
  const total = v.report!.thresholds[0]!.observed!;
  assert.ok(total >= 390 && total <= 410, `${total} requests over both runners`);
  assert.match(v.out, /FAILED/);
});

test("the shipped gates over two runners' samples pass as one run's would (exit 0)", async () => {
  const parts = await runners('echo', 'echo-over-two', 2, { ...HEADROOM, BASE_URL: echo.url, STAGES: '3s:6' });
  for (const p of parts) assert.equal(p.code, 0, p.stdout + p.stderr);
  const v = await verdict('echo', 'echo-over-two', ['--thresholds', HEADROOM.THRESHOLDS_FILE]);
  assert.equal(v.code, 0, v.out);
  const requests = parts.reduce((s, p) => s + k6Values(p, 'http_reqs').count!, 0);
  assert.equal(v.report!.requests.count, requests, 'every request of both runners');
});

test("the verdict's percentiles are exact: one process's p95 and p99 from InfluxDB equal k6's own", async () => {
  const [one] = await runners('echo', 'echo-alone', 1, { ...HEADROOM, BASE_URL: echo.url, STAGES: '3s:6' });
  assert.equal(one!.code, 0, one!.stdout + one!.stderr);
  const v = await verdict('echo', 'echo-alone', ['--thresholds', HEADROOM.THRESHOLDS_FILE]);
  assert.equal(v.code, 0, v.out);
  const key = 'http_req_duration{scenario:echo}';
  const mine = (v.report as unknown as { k6: Record<string, { values: Record<string, number> }> }).k6[key]!.values;
  const k6s = k6Values(one!, key);
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
