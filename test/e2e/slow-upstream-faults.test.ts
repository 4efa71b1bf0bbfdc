// Red with real k6: each fault of the slow-upstream target trips its gate far past the bound
// (an error in five, refusals ten times the budget, a circuit that never closes, 512 KB kept per
// call, calls that wait out the client's timeout). Judged with the shipped thresholds, and only
// on the gate each fault is about being among the failed: no verdict here rests on this
// machine's speed, so the file runs in a lane beside others (scripts/test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { k6Values, smokeAgainst } from '../helpers/k6.ts';

const against = (mode: string, env: Record<string, string> = {}, targetArgs: string[] = []) =>
  smokeAgainst('slow-upstream', 'slow-upstream', ['--mode', mode, ...targetArgs], env);

// The outage's own gates stay out of the cases that do not need it.
const NO_OUTAGE = { DURATION: '8s', OUTAGE_MODE: 'none' };

test('a canary endpoint that fails one request in five fails the canary error gate (exit 99)', async () => {
  const r = await against('protected', { ...NO_OUTAGE }, ['--fault', 'canary-errors']);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('http_req_failed{scenario:canary}'), String(r.report!.failedThresholds));
});

test('refusals that take 500 ms fail the rejection-time gate (exit 99)', async () => {
  const r = await against('protected', { ...NO_OUTAGE }, ['--fault', 'slow-rejections']);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('rejection_duration'), String(r.report!.failedThresholds));
  assert.ok(k6Values(r, 'rejection_duration')['p(95)']! >= 500);
});

// A short outage is enough to open the circuit (5 failures in a row at 100 calls a second); the
// recovered phase is what is judged, from 8 s on.
const SHORT_OUTAGE = { DURATION: '12s', OUTAGE_AT: '2s', OUTAGE_FOR: '3s', RECOVERY: '3s' };

test('a circuit that never closes again after the outage fails the breaker gate (exit 99)', async () => {
  const r = await against('protected', SHORT_OUTAGE, ['--fault', 'breaker-stuck-open']);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('target_breaker_state{phase:recovered}'), String(r.report!.failedThresholds));
});

test('a target that leaks 512 KB per slow call fails the memory-growth gate (exit 99)', async () => {
  const r = await against('protected', { ...NO_OUTAGE, DURATION: '16s' }, ['--fault', 'leak']);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('target_rss_growth_bytes'), String(r.report!.failedThresholds));
});

test('naive, with an upstream that hangs: slow calls fail only at the client timeout, not fast (exit 99 on the outage gate)', async () => {
  const r = await against('naive', { ...SHORT_OUTAGE, OUTAGE_MODE: 'hang', REQUEST_TIMEOUT: '3s' });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('outage_failure_duration'), String(r.report!.failedThresholds));
  assert.ok(k6Values(r, 'outage_failure_duration')['p(95)']! >= 2900, 'each failed call waited out the 3 s timeout');
});
