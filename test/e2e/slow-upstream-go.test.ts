// The slow-upstream scenario against the Go reference target (net/http, client_golang,
// gobreaker, x/sync/semaphore), built pinned from targets/slow-upstream-go: a user's kind of Go
// service, read through PROBE_METRICS as the docs say to map one. Protected passes; naive
// fails on calls in flight alone: no cost model, the goroutines really pile up. Run with the
// command its page gives a user for a Go service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEADROOM, runK6, smokeAgainst, type K6Result } from '../helpers/k6.ts';
import { startTarget } from '../../harness/target-process.ts';
import { docK6Args } from '../helpers/doc-commands.ts';

// slow-upstream's own-service command (docs/slow-upstream.md), read from the page, against the Go
// target: a user's kind of Go service.
const against = async (mode: string, env: Record<string, string> = {}) => {
  const t = await startTarget('slow-upstream-go', ['--grace-ms', '200', '--mode', mode]);
  try {
    const { script, args } = docK6Args('slow-upstream', { 'http://127.0.0.1:9000': t.url });
    return await runK6(script, { PROFILE: 'smoke', ...env }, args);
  } finally {
    await t.stop();
  }
};

const max = (r: K6Result, metric: string) =>
  (r.report as unknown as { k6: Record<string, { values: { max?: number } }> }).k6[metric]!.values.max!;

test('Go, protected: calls in flight held at the global limit, breaker open in the outage and closed after (exit 0); goroutines are not calls', async () => {
  const r = await against('protected', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  // The gauge counts every request in the slow handler, refused ones too for the instant they take: 100 and a few.
  assert.ok(max(r, 'target_inflight') >= 75 && max(r, 'target_inflight') < 120, `calls in flight ${max(r, 'target_inflight')}`);
  assert.equal(max(r, 'target_breaker_state'), 2, 'the circuit opened during the outage');
  // Mapped to target_inflight, goroutines would fail this correctly limited service.
  assert.ok(max(r, 'target_goroutines') > 120, `goroutines ${max(r, 'target_goroutines')}`);
  assert.match(r.stdout, /goroutines, max\s+\d+/);
});

test('Go, naive: a goroutine per slow call piles up past the limit, and only the in-flight gate fails (exit 99)', async () => {
  const r = await against('naive', { OUTAGE_MODE: 'none', DURATION: '8s' });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['target_inflight']);
  // About 20 users x 5 req/s x 2.5 s = 250 on an idle machine; what the mechanism shows, on any
  // machine, is calls far past the gate's bound of 120 (the limit of 100 and a margin).
  assert.ok(max(r, 'target_inflight') > 1.25 * 120, `calls in flight ${max(r, 'target_inflight')}`);
});

test('breaking-point against the Go service reads its resources from client_golang unchanged: every stage healthy, CPU, memory and open files per stage (exit 0)', async () => {
  // The default PROBE_METRICS: the names prom-client and client_golang share. Go has no event
  // loop, so that row alone stays empty, and nothing gates on it.
  const r = await smokeAgainst('breaking-point', 'slow-upstream-go', ['--mode', 'protected'], {
    ...HEADROOM,
    DATA_PATH: '/api/fast',
    HEALTHY_LATENCY: '500ms',
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  for (const row of ['CPU, max', 'memory, max', 'open files, max']) assert.match(r.stdout, new RegExp(`${row} +\\d`), row);
  assert.match(r.stdout, /event-loop lag \(s\) +no samples/);
  assert.match(r.stdout, /last healthy stage +100 clients/);
  const memory = r.report!.thresholds.find((t) => t.metric === 'target_memory_share')!;
  assert.ok(memory.observed! > 0 && memory.observed! < 0.9, `memory share ${memory.observed}`);
});
