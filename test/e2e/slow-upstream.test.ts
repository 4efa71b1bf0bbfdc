// Red/green with real k6: against the protected target in-flight stays within the global limit,
// the canary stays fast, rejections and outage failures come back at once and the circuit
// closes after the outage; against the naive target in-flight piles up and the canary slows (99).
// The faults that each trip one gate far past its bound are in slow-upstream-faults.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget } from '../../harness/target-process.ts';
import { dist, HEADROOM, k6Values, runK6, smokeAgainst } from '../helpers/k6.ts';

const against = (mode: string, env: Record<string, string> = {}, targetArgs: string[] = []) =>
  smokeAgainst('slow-upstream', 'slow-upstream', ['--mode', mode, ...targetArgs], env);

test('protected: in flight capped near the global limit, canary fast, breaker opened in the outage and closed after (exit 0)', async () => {
  const r = await against('protected', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  const inflight = k6Values(r, 'target_inflight');
  // About 26 readings in the 26 s run; half shows it sampled through the run.
  assert.ok(inflight.count! >= 13, `the probe sampled ${inflight.count} times`);
  assert.ok(inflight.max! >= 75 && inflight.max! < 120, `max in flight ${inflight.max}`);
  assert.equal(k6Values(r, 'target_breaker_state').max, 2, 'the circuit opened during the outage');
  assert.ok(k6Values(r, 'rejection_duration').count! > 100, 'the global limit refused the excess');
});

test('naive: calls pile up past the limit and drag the canary down (exit 99 on in-flight and canary)', async () => {
  const r = await against('naive');
  assert.equal(r.code, 99);
  for (const gate of ['target_inflight', 'http_req_duration{scenario:canary}']) {
    assert.ok(r.report!.failedThresholds.includes(gate), `${gate} in ${r.report!.failedThresholds}`);
  }
  // About 20 users x 5 req/s x 2.5 s = 250 on an idle machine (198 on a loaded one); the mechanism
  // is calls far past the gate's bound of 120, on any machine.
  assert.ok(k6Values(r, 'target_inflight').max! > 1.25 * 120, `calls in flight ${k6Values(r, 'target_inflight').max}`);
});

test('a probe that cannot reach its endpoint says so once, the load runs, and its gates fail as not measured (exit 99), not green on nothing', async () => {
  const r = await against('protected', {
    ...HEADROOM,
    PROBE_URL: 'http://127.0.0.1:9/metrics',
    DURATION: '4s',
    OUTAGE_MODE: 'none',
    USERS: '5',
  });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.equal(r.stderr.match(/floodgate probe: cannot read service at http:\/\/127\.0\.0\.1:9\/metrics/g)?.length, 1, r.stderr);
  assert.ok(r.report!.requests.count > 20, 'the load ran');
  assert.deepEqual(r.report!.failedThresholds, ['target_inflight', 'target_rss_growth_bytes']);
  assert.deepEqual(r.report!.notMeasured, ['target_inflight', 'target_rss_growth_bytes']);
  assert.match(r.stdout, /target_inflight\s+max<120\s+not measured: http:\/\/127\.0\.0\.1:9\/metrics served no http_inflight_requests/);
  // No outage, no outage gates: listed as not judged, not passed.
  assert.deepEqual(
    r.report!.notGated.map((g) => g.metric),
    ['outage_failure_duration', 'target_breaker_state{phase:recovered}'],
  );
});

test('a service that exports no breaker metric: the breaker gate fails as not measured (exit 99, not k6 refusing to start), and UNMEASURED accepts that (exit 0)', async () => {
  const t = await startTarget('slow-upstream');
  try {
    const env = {
      ...HEADROOM,
      PROFILE: 'smoke',
      BASE_URL: t.url,
      PROBE_METRICS: 'target_inflight=http_inflight_requests,target_rss_bytes=process_resident_memory_bytes',
      DURATION: '8s',
      OUTAGE_AT: '1s',
      OUTAGE_FOR: '1s',
      RECOVERY: '1s',
    };
    const unmapped = await runK6(dist('slow-upstream'), env);
    assert.equal(unmapped.code, 99, unmapped.stdout + unmapped.stderr);
    assert.deepEqual(unmapped.report!.failedThresholds, ['target_breaker_state{phase:recovered}']);
    assert.deepEqual(unmapped.report!.notMeasured, ['target_breaker_state{phase:recovered}']);
    assert.match(unmapped.stderr, /PROBE_METRICS maps nothing to target_breaker_state .*-e UNMEASURED=target_breaker_state/);
    assert.match(unmapped.stdout, /-e UNMEASURED=target_breaker_state/);
    const accepted = await runK6(dist('slow-upstream'), { ...env, UNMEASURED: 'target_breaker_state' });
    assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);
    const breaker = accepted.report!.thresholds.find((g) => g.metric === 'target_breaker_state{phase:recovered}')!;
    assert.equal(breaker.notMeasured, 'no samples, accepted with UNMEASURED');
  } finally {
    await t.stop();
  }
});
