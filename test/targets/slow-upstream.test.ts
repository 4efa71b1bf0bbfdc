// The slow-upstream target as a process: protected mode refuses at once past the per-user (429)
// and global (503 + Retry-After) limits, times the upstream out (504), and opens the circuit
// on upstream failures (503, fast); naive lets calls pile up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';
import { eventually } from '../helpers/eventually.ts';

const FAST_UPSTREAM = ['--upstream-min-ms', '400', '--upstream-max-ms', '400', '--pending-cost-us', '0'];
const slow = (t: TargetProcess, user: string) => fetch(`${t.url}/api/slow`, { headers: { 'X-User-Id': user } });
const outage = (t: TargetProcess, mode: string) => fetch(`${t.url}/admin/outage?mode=${mode}`, { method: 'POST' });

async function timed(p: Promise<Response>): Promise<{ status: number; ms: number; res: Response }> {
  const t0 = performance.now();
  const res = await p;
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0, res };
}

test('past 2 concurrent calls a user gets 429 at once; past 3 in all the next caller gets 503 with Retry-After at once', async () => {
  const t = await startTarget('slow-upstream', [...FAST_UPSTREAM, '--user-limit', '2', '--global-limit', '3']);
  try {
    const running = [slow(t, 'a'), slow(t, 'a')];
    await eventually(
      'two slow calls at the upstream',
      () => t.metric('upstream_inflight_calls'),
      (n) => n === 2,
    );
    const third = await timed(slow(t, 'a'));
    assert.equal(third.status, 429);
    assert.ok(third.ms < 200, `429 took ${third.ms} ms`);
    running.push(slow(t, 'b'));
    await eventually(
      'three slow calls at the upstream',
      () => t.metric('upstream_inflight_calls'),
      (n) => n === 3,
    );
    const fourth = await timed(slow(t, 'c'));
    assert.equal(fourth.status, 503);
    assert.equal(fourth.res.headers.get('retry-after'), '1');
    assert.ok(fourth.ms < 200, `503 took ${fourth.ms} ms`);
    assert.deepEqual(
      (await Promise.all(running)).map((r) => r.status),
      [200, 200, 200],
    );
    assert.equal(await t.metric('rejections_total', { reason: 'user_limit' }), 1);
    assert.equal(await t.metric('rejections_total', { reason: 'global_limit' }), 1);
    assert.equal((await fetch(`${t.url}/api/fast`)).status, 200);
  } finally {
    await t.stop();
  }
});

test('a hanging upstream is cut at the timeout with 504', async () => {
  const t = await startTarget('slow-upstream', [...FAST_UPSTREAM, '--timeout-ms', '300']);
  try {
    await outage(t, 'hang');
    const r = await timed(slow(t, 'a'));
    assert.equal(r.status, 504);
    assert.ok(r.ms >= 250 && r.ms < 2000, `504 after ${r.ms} ms`);
  } finally {
    await t.stop();
  }
});

test('upstream errors open the circuit: then the slow endpoint fails fast with 503, and the circuit closes again after', async () => {
  const t = await startTarget('slow-upstream', [...FAST_UPSTREAM, '--breaker-failures', '3', '--breaker-half-open-ms', '500']);
  try {
    await outage(t, 'errors');
    for (let i = 0; i < 3; i++) assert.equal((await slow(t, 'a')).status, 502);
    assert.equal(await t.metric('circuit_breaker_state'), 2, 'open');
    const open = await timed(slow(t, 'a'));
    assert.equal(open.status, 503);
    assert.ok(open.ms < 100, `open circuit answered in ${open.ms} ms`);
    assert.equal(await t.metric('rejections_total', { reason: 'breaker_open' }), 1);
    await outage(t, 'none');
    await new Promise((r) => setTimeout(r, 600)); // past halfOpenAfter
    assert.equal((await slow(t, 'a')).status, 200, 'the trial call succeeds');
    assert.equal(await t.metric('circuit_breaker_state'), 0, 'closed again');
  } finally {
    await t.stop();
  }
});

test('naive mode has no limits: calls pile up, in flight to the upstream', async () => {
  const t = await startTarget('slow-upstream', [...FAST_UPSTREAM, '--mode', 'naive']);
  try {
    const calls = Array.from({ length: 30 }, () => slow(t, 'a'));
    await eventually(
      'all 30 calls at the upstream',
      () => t.metric('upstream_inflight_calls'),
      (n) => n === 30,
    );
    assert.equal(await t.metric('http_inflight_requests'), 30);
    assert.ok((await Promise.all(calls)).every((r) => r.status === 200));
  } finally {
    await t.stop();
  }
});

test('/metrics has in-flight, rejections, breaker state, RSS, heap and event-loop lag', async () => {
  const t = await startTarget('slow-upstream', FAST_UPSTREAM);
  try {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    for (const name of [
      'http_inflight_requests',
      'upstream_inflight_calls',
      'rejections_total',
      'circuit_breaker_state',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  } finally {
    await t.stop();
  }
});
