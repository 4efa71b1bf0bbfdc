// Red/green with real k6: after a smoke-sized blast (400 req/s for 6 s, at a target scaled to
// 50 req/s), the protected capacity target is healthy again within seconds; the naive one
// still works off the backlog of clients who gave up, past the 30 s bound (exit 99). A service
// that is not healthy before the blast fails the before gates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEADROOM, smokeAgainst, type K6Result } from '../helpers/k6.ts';

// 20 ms of CPU per request: 50 req/s, so the smoke blast of 400 req/s is 8x the capacity, and
// normal load and check (20 req/s) keep it under half busy. Protected gets a queue of 300 ms
// (15 requests), so evenly paced normal load is never refused.
const SCALED = ['--cost-us', '20000'];
const BUDGET = ['--queue-budget-ms', '300'];

const against = (args: string[], env: Record<string, string> = {}) => smokeAgainst('recovery', 'capacity', args, env);

type Values = Record<string, number>;
const k6Values = (r: K6Result, metric: string) => (r.report as unknown as { k6: Record<string, { values: Values }> }).k6[metric]!.values;

test('protected: sheds the blast with fast 503s and is healthy again within seconds (exit 0)', async () => {
  // 6 s of blast, as naive gets: 2,400 requests against room for 50 a second and 15 queued.
  const r = await against(['--mode', 'protected', ...SCALED, ...BUDGET], { ...HEADROOM, BLAST_FOR: '6s', OBSERVE_FOR: '10s' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.ok(k6Values(r, 'recovery_seconds').max! < 10, `recovered after ${k6Values(r, 'recovery_seconds').max} s`);
  assert.ok(r.report!.failureModes.http_5xx! > 1000, 'the blast was shed with 503s');
  assert.match(r.stdout, /By phase/);
});

test('naive: the backlog of clients who gave up outlives the blast, and the service is not healthy 30 s later (exit 99 on recovery_seconds)', async () => {
  // A 6 s blast leaves 2,100 requests of work (42 s at 50 req/s) for a service that works off
  // every one: past the 30 s bound, which OBSERVE_FOR must outlast to see.
  const r = await against(['--mode', 'naive', ...SCALED], { ...HEADROOM, BLAST_FOR: '6s', OBSERVE_FOR: '32s' });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['recovery_seconds']);
  assert.ok(k6Values(r, 'recovery_seconds').max! >= 30, `recovery_seconds ${k6Values(r, 'recovery_seconds').max}`);
  assert.ok(r.report!.failureModes.request_timeout! > 100, 'blast requests timed out while their work stayed queued');
});

// A short run: the gates on the time before the blast are what is judged.
const SHORT = {
  NORMAL_FOR: '4s',
  BLAST_FOR: '1s',
  BLAST_RATE: '1',
  REDUCE_FOR: '0s',
  OBSERVE_FOR: '3s',
  CLIENTS: '10',
  THINK_TIME: '0.05',
};

test('a service already slow before the blast fails the before-latency gate (exit 99 on http_req_duration{scenario:normal,phase:before})', async () => {
  // 30 ms a request, ten clients in a loop: each waits for the nine ahead of it, about 300 ms.
  const r = await against(['--mode', 'naive', '--cost-us', '30000'], SHORT);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('http_req_duration{scenario:normal,phase:before}'), String(r.report!.failedThresholds));
});

test('a service already refusing before the blast fails the before-error gate (exit 99 on http_req_failed{scenario:normal,phase:before})', async () => {
  // The same load against admission control with room for 3 requests: most are refused.
  const r = await against(['--mode', 'protected', '--cost-us', '30000'], SHORT);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('http_req_failed{scenario:normal,phase:before}'), String(r.report!.failedThresholds));
});
