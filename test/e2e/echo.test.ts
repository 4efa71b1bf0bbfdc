// Red/green with a real k6 process: the echo scenario passes against the healthy echo target
// and fails (exit 99) against the degraded one, on the thresholds that should catch it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dist, HEADROOM, runK6 } from '../helpers/k6.ts';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';

let healthy: TargetProcess;
let degraded: TargetProcess;
before(async () => {
  [healthy, degraded] = await Promise.all([startTarget('echo'), startTarget('echo', ['--mode', 'degraded'])]);
});
after(async () => {
  await Promise.all([healthy.stop(), degraded.stop()]);
});

test('echo passes against the healthy target: exit 0, every threshold met, every request a new connection', async () => {
  const r = await runK6(dist('echo'), { ...HEADROOM, PROFILE: 'smoke', BASE_URL: healthy.url });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.report?.verdict, 'pass');
  assert.deepEqual(r.report?.failedThresholds, []);
  assert.ok(r.report!.requests.count > 100, `${r.report!.requests.count} requests`);
  assert.match(r.stdout, /PASSED: all \d+ thresholds met/);
  // noConnectionReuse: the target saw about as many connections as requests.
  const accepted = await healthy.metric('http_requests_total', { handler: '/echo' });
  assert.ok(accepted >= r.report!.requests.count - 1, `target counted ${accepted} echoes`);
});

test('echo fails against the degraded target: exit 99 on the latency thresholds, with a JUnit file', async () => {
  const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: degraded.url });
  assert.equal(r.code, 99, r.stderr);
  assert.equal(r.report?.verdict, 'fail');
  assert.ok(r.report!.failedThresholds.includes('http_req_duration{scenario:echo}'), String(r.report!.failedThresholds));
  assert.match(r.stdout, /✗ http_req_duration\{scenario:echo\}\s+p\(95\)<50/);
  assert.match(r.stdout, /FAILED: \d+ of \d+ thresholds crossed/);
  const junit = readdirSync(r.resultsDir).find((f) => f.endsWith('.xml'));
  assert.ok(junit, 'a JUnit file next to the JSON');
  assert.match(readFileSync(join(r.resultsDir, junit), 'utf8'), /<failure message="p\(95\)=[\d.]+ms crosses p\(95\)&lt;50"/);
});

test('failures are counted by named mode: requests over the connection cap are resets, too-short timeouts are request timeouts', async () => {
  const capped = await startTarget('echo', ['--max-connections', '2', '--delay-ms', '100']);
  try {
    const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: capped.url, REQUEST_TIMEOUT: '80ms', STAGES: '3s:20' });
    assert.equal(r.code, 99, r.stderr);
    assert.ok(r.report!.failedThresholds.includes('http_req_failed{scenario:echo}'));
    assert.ok(r.report!.failedThresholds.includes('checks{scenario:echo}'), 'a failed request is an echo that did not come back');
    assert.ok(r.report!.failureModes.request_timeout! > 0, JSON.stringify(r.report!.failureModes));
    assert.ok(r.report!.failureModes.conn_reset! > 0, JSON.stringify(r.report!.failureModes));
    assert.match(r.stdout, /request_timeout\s+\d+/);
  } finally {
    await capped.stop();
  }
});

test('a target that stalls behind an accept backlog of 1 fails the connect-time gate: clients wait for the SYN retry (exit 99)', async () => {
  const stalling = await startTarget('echo', ['--fault', 'stalls']);
  try {
    const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: stalling.url });
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.ok(r.report!.failedThresholds.includes('http_req_connecting{scenario:echo}'), String(r.report!.failedThresholds));
    const connect = r.report!.thresholds.find((t) => t.metric === 'http_req_connecting{scenario:echo}')!.observed!;
    assert.ok(connect > 500, `connect p95 ${connect} ms: a dropped SYN is retried after 1 s`);
  } finally {
    await stalling.stop();
  }
});

test('a runner whose share of the load is nothing (the empty segment of a split run) fails as not measured (exit 99), not green on no samples', async () => {
  // One VU over two segments: the second gets none. Its only request is setup()'s preflight.
  const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: healthy.url, STAGES: '2s:1,1s:0' }, [
    '--execution-segment',
    '1/2:1',
    '--execution-segment-sequence',
    '0,1/2,1',
  ]);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  const gates = [
    'checks{scenario:echo}',
    'http_req_connecting{scenario:echo}',
    'http_req_duration{scenario:echo}',
    'http_req_failed{scenario:echo}',
  ];
  assert.deepEqual(r.report!.failedThresholds, gates);
  assert.deepEqual(r.report!.notMeasured, gates);
  assert.match(
    r.stdout,
    /http_req_duration\{scenario:echo\}\s+p\(95\)<50\s+not measured: no samples \(http_reqs\{scenario:echo\} counted none/,
  );
});
