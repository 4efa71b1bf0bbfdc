// Red/green with real k6 and a real Redis: 100 users at their 5 req/s limit and one at 20 req/s
// against a limiter that keeps its state in Redis. The test stops its private Redis 7 s into the
// load and starts it again 3 s later. Protected (the study's fix: state in memory, a write per user
// per window) passes, through the outage; naive writes per request and answers 500 without its
// store (exit 99); fail-closed refuses users, a client that never reconnects never writes again,
// and two instances with counts in memory each let the noisy user through and each write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis, type Service } from '../../harness/services.ts';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';
import { dist, HEADROOM, type K6Result, k6Values, runK6 } from '../helpers/k6.ts';

// After 5 s of steady load (the probe's window of writes per second); 3 s to reconnect, then 3 s recovered.
const OUTAGE = { OUTAGE_AT: '7s', OUTAGE_FOR: '3s', RECOVERY: '3s' };
const seconds = (d: string) => Number(d.replace(/s$/, '')) * 1000;

/** Stops `redis` OUTAGE_AT into the load (its first request at the target) and starts it again OUTAGE_FOR later. */
async function breakStore(t: TargetProcess, redis: { current: Service }): Promise<void> {
  while ((await t.metric('http_requests_total', { handler: '/api/work' }).catch(() => 0)) === 0) await sleep(50);
  await sleep(seconds(OUTAGE.OUTAGE_AT));
  const port = redis.current.port;
  await redis.current.stop();
  await sleep(seconds(OUTAGE.OUTAGE_FOR));
  redis.current = await startRedis(port);
}

/** A smoke run against the kv-writes target on a private Redis, which `outage` breaks mid-run. */
async function kvRun(targetArgs: string[], env: Record<string, string>, outage: boolean): Promise<K6Result> {
  const redis = { current: await startRedis() };
  const t = await startTarget('kv-writes', ['--redis-url', redis.current.url, ...targetArgs]);
  try {
    const run = runK6(dist('kv-writes'), { PROFILE: 'smoke', BASE_URL: t.url, ...(outage ? OUTAGE : {}), ...env });
    if (outage) await breakStore(t, redis);
    return await run;
  } finally {
    await t.stop();
    await redis.current.stop();
  }
}

test('protected: a write per user per second, through a store outage with no 5xx and no user refused, writing again after it (exit 0)', async () => {
  const r = await kvRun([], HEADROOM, true);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.deepEqual(r.report!.notGated, []);
  // Read before the outage: the store that comes back has counted nothing yet.
  const perUser = k6Values(r, 'target_kv_writes_per_user_second');
  // A 5 s window holds at most 6 window starts: 1.2 is the most a write per second can read as.
  assert.ok(perUser.max! > 0.8 && perUser.max! <= 1.2, `at most ${perUser.max} writes per user per second`);
  assert.equal(k6Values(r, 'target_kv_store_healthy{phase:outage}').min, 0, 'the probe saw the store down');
  assert.match(r.stdout, /store outage\s+fail-open: users admitted on the counts in memory, no 5xx/);
});

test('naive: a write per request, and a 500 for every request while the store is down (exit 99 on the write budget and 5xx)', async () => {
  const r = await kvRun(['--mode', 'naive'], HEADROOM, true);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['failed_requests{failure_mode:http_5xx}', 'target_kv_writes_per_user_second']);
  // About 5 writes per user per second, one per request: the mechanism is far past the budget of 1.25.
  assert.ok(k6Values(r, 'target_kv_writes_per_user_second').max! > 2 * 1.25, 'a write per request');
  // Before the outage, a write per request: the study's 10,000 a day at 1,000 users (the median takes in the outage too).
  // Over the nominal load, so arrivals k6 delays read low; a write per user-second is at most 0.23 here.
  assert.ok(k6Values(r, 'target_kv_writes_per_request').max! > 0.5);
  assert.match(r.stdout, /writes a day\s+[\d.]+ a request x 10 requests a user x 1,000 users = [\d,]+ a day: [\d.]+x the quota of 1,000/);
});

test('fail-closed: users are refused with 429 while the store is down, not 5xx (exit 99 on false positives)', async () => {
  const r = await kvRun(['--on-kv-failure', 'closed'], HEADROOM, true);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['rate_limit_false_positives']);
  assert.match(r.stdout, /store outage\s+fail-closed: [\d.]+ % of users' requests refused with 429, no 5xx/);
});

test('a store client that never reconnects never writes again after the outage (exit 99 on target_kv_store_healthy{phase:recovered})', async () => {
  const r = await kvRun(['--fault', 'no-reconnect'], HEADROOM, true);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['target_kv_store_healthy{phase:recovered}']);
});

test('two instances counting in memory: the noisy user gets about twice the limit and the store twice the writes (exit 99 on over_limit_admitted_per_limit and target_kv_writes_per_user_second)', async () => {
  const r = await kvRun(['--instances', '2'], { ...HEADROOM, USERS: '50' }, false);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['over_limit_admitted_per_limit', 'target_kv_writes_per_user_second']);
  const admitted = k6Values(r, 'over_limit_admitted_per_limit').rate!;
  // About 2.1 (two buckets): past one limiter's 1.06 and 1.2 times the gate.
  assert.ok(admitted > 1.5 && admitted < 2.5, `admitted ${admitted} x the limit`);
});
