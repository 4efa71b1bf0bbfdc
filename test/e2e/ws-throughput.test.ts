// Red/green with real k6 and real WebSockets: ws-throughput passes against the healthy ws
// target and exits 99 against its degraded mode (late echoes, memory held per connection), a
// generator that cannot keep its schedule, a target without /metrics, a refused handshake and
// mangled echoes. Its echo round trip is timed: this file runs alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget } from '../../harness/target-process.ts';
import { dist, HEADROOM, k6Values, runK6, smokeAgainst } from '../helpers/k6.ts';

/** A smoke run of `scenario` against the ws target in `mode` (two workers). */
const against = (scenario: string, mode: string, env: Record<string, string> = {}) =>
  smokeAgainst(scenario, 'ws', ['--mode', mode, '--workers', '2'], env);

test('ws-throughput: a schedule k6 cannot keep fails the generator gate (exit 99 on ws_send_lag), so a slow k6 is not blamed on the target', async () => {
  const r = await against('ws-throughput', 'healthy', {
    CONNECTIONS: '100',
    SOCKETS_PER_VU: '100',
    RATE: '200000',
    RAMP: '1s',
    DURATION: '3s',
  });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('ws_send_lag'), r.report!.failedThresholds.join());
  assert.ok(k6Values(r, 'ws_send_lag')['p(95)']! > 20);
});

test("ws-throughput: without readings of the target's memory (no /metrics) the memory gate fails as not measured (exit 99) instead of passing on nothing", async () => {
  const r = await against('ws-throughput', 'healthy', {
    ...HEADROOM,
    CONNECTIONS: '200',
    SOCKETS_PER_VU: '100',
    RATE: '200',
    RAMP: '1s',
    DURATION: '2s',
    PROBE_URL: 'http://127.0.0.1:9/metrics',
  });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['target_rss_per_1000_connections_bytes']);
  assert.deepEqual(r.report!.notMeasured, ['target_rss_per_1000_connections_bytes']);
  assert.match(
    r.stdout,
    /target_rss_per_1000_connections_bytes\s+max<104857600\s+not measured: the probe derived no target_rss_per_1000_connections_bytes/,
  );
});

test('ws-throughput, healthy: 1,000 sockets, 1,000 msg/s, every echo back and timed, memory per 1,000 connections under 100 MB (exit 0)', async () => {
  const r = await against('ws-throughput', 'healthy', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  // About 7,000 echoes timed (1,000 a second for 8 s, less the quiet second before the close);
  // half of that shows the rate ran, on any machine.
  assert.ok(k6Values(r, 'ws_echo_rtt').count! >= 3_500, `${k6Values(r, 'ws_echo_rtt').count} echoes timed`);
  assert.ok(k6Values(r, 'target_rss_per_1000_connections_bytes').count! > 0, 'memory per connection was measured');
});

test('ws-throughput, degraded: late echoes and 256 KB per connection fail latency and memory (exit 99)', async () => {
  const r = await against('ws-throughput', 'degraded', { RATE: '500' });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  for (const gate of ['ws_echo_rtt', 'target_rss_per_1000_connections_bytes']) {
    assert.ok(r.report!.failedThresholds.includes(gate), `${gate} in ${r.report!.failedThresholds}`);
  }
  // About 256 MB per 1,000 (256 KB held per connection): far past the gate of 100 MiB.
  assert.ok(k6Values(r, 'target_rss_per_1000_connections_bytes').max! > 1.25 * 104_857_600, 'far past 100 MiB per 1,000');
});

test('ws-throughput: a refused handshake fails the established gate there too (exit 99)', async () => {
  const r = await runK6(dist('ws-throughput'), {
    PROFILE: 'smoke',
    CONNECTIONS: '20',
    SOCKETS_PER_VU: '10',
    RAMP: '1s',
    DURATION: '1s',
    BASE_URL: 'http://127.0.0.1:9',
    SKIP_PREFLIGHT: 'true',
  });
  assert.equal(r.code, 99, r.stderr);
  assert.ok(r.report!.failedThresholds.includes('ws_established'), r.report!.failedThresholds.join());
  assert.equal(r.report!.failureModes['conn_refused'], 20);
});

test('ws-throughput: a target that mangles one echo in a hundred fails the echo gate (exit 99 on ws_echo_ok)', async () => {
  const t = await startTarget('ws', ['--workers', '2', '--fault', 'corrupt-echoes']);
  try {
    // The healthy run's size (memory per connection needs 1,000 of them), for a shorter time.
    const r = await runK6(dist('ws-throughput'), { ...HEADROOM, PROFILE: 'smoke', BASE_URL: t.url, DURATION: '4s' });
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.deepEqual(r.report!.failedThresholds, ['ws_echo_ok']);
    const ok = k6Values(r, 'ws_echo_ok');
    assert.ok(ok.fails! > 0 && ok.passes! > 0, `${ok.fails} mangled of ${ok.passes! + ok.fails!}`);
  } finally {
    await t.stop();
  }
});
