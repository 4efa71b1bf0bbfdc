// Red/green with a real k6 process: keep-alive reuses connections against the healthy target and
// shows the difference side by side; against the degraded target (no keep-alive) it exits 99.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
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

test('keep-alive passes against the healthy target and compares reuse with fresh connections side by side', async () => {
  const r = await runK6(dist('keep-alive'), { ...HEADROOM, PROFILE: 'smoke', BASE_URL: healthy.url });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.report?.verdict, 'pass');
  const table = r.report!.comparisons[0]!;
  assert.deepEqual(table.columns, ['reuse', 'fresh']);
  const row = (label: string) => table.rows.find((x) => x.label === label)!.values as number[];
  const [reusedReuse, reusedFresh] = row('reused conns');
  assert.ok(reusedReuse! > 0.95 && reusedFresh! < 0.2, `reused: ${reusedReuse} vs ${reusedFresh}`);
  const [connectReuse, connectFresh] = row('connect avg');
  assert.ok(connectFresh! > connectReuse!, `connect avg ${connectReuse} vs ${connectFresh}`);
  assert.match(r.stdout, /Keep-alive vs a new connection per request/);
});

test('keep-alive fails against a target without keep-alive: exit 99 on connection reuse and latency', async () => {
  const r = await runK6(dist('keep-alive'), { PROFILE: 'smoke', BASE_URL: degraded.url });
  assert.equal(r.code, 99, r.stderr);
  assert.ok(r.report!.failedThresholds.includes('connection_reused{scenario:reuse}'), String(r.report!.failedThresholds));
  assert.ok(r.report!.failedThresholds.includes('http_req_duration{scenario:reuse}'));
  assert.ok(r.report!.failedThresholds.includes('http_req_duration{scenario:fresh}'), '200 ms per answer fails the fresh half too');
});

test('keep-alive against a target that drops connections past 3 fails on errors and checks (exit 99)', async () => {
  const capped = await startTarget('echo', ['--max-connections', '3']);
  try {
    const r = await runK6(dist('keep-alive'), { PROFILE: 'smoke', BASE_URL: capped.url });
    assert.equal(r.code, 99, r.stdout + r.stderr);
    for (const gate of ['http_req_failed', 'checks'])
      assert.ok(r.report!.failedThresholds.includes(gate), `${gate} in ${r.report!.failedThresholds}`);
    assert.ok(r.report!.failureModes.conn_reset! > 0, JSON.stringify(r.report!.failureModes));
  } finally {
    await capped.stop();
  }
});
