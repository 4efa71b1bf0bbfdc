// Red/green with real k6, a Redis stream with a consumer group, worker processes and PostgreSQL:
// a burst of writes three times what the database takes. Protected accepts each at once (202),
// drains the queue in time and applies every write once, with a worker killed mid-drain
// (exit 0); naive writes before answering and its writers time out (exit 99); too few workers
// leave a backlog; acknowledging before applying loses writes, and no idempotency applies
// retries twice (exit 99).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTarget } from '../../harness/target-process.ts';
import { HEADROOM, type K6Result, dist, k6Values, runK6, smokeAgainst } from '../helpers/k6.ts';
import { privateStores } from '../helpers/stores.ts';

const stores = privateStores();

const offload = (targetArgs: string[], env: Record<string, string> = {}): Promise<K6Result> =>
  smokeAgainst('queue-offload', 'queue-offload', [...stores.targetArgs('queue'), ...targetArgs], env);

/** The teardown's ledger line: applied, effects, queued. */
function ledger(r: K6Result): { applied: number; effects: number; queued: number } {
  const m = /ledger for run \S+: (\d+) writes applied \((\d+) effects\), (\d+) still queued/.exec(r.stdout + r.stderr);
  assert.ok(m, `no ledger line in:\n${r.stderr.slice(-2000)}`);
  return { applied: Number(m[1]), effects: Number(m[2]), queued: Number(m[3]) };
}

test('naive: writes applied before the answer queue for the database and time out (exit 99 on http_req_duration{scenario:writes}, http_req_failed{scenario:writes})', async () => {
  const r = await offload(['--mode', 'naive'], { DRAIN_WITHIN: '1s' });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['http_req_duration{scenario:writes}', 'http_req_failed{scenario:writes}']);
  assert.ok(r.report!.failureModes.request_timeout > 0, JSON.stringify(r.report!.failureModes));
});

test('one worker for a burst sized for four: the queue is not empty in time (exit 99 on target_queue_backlog{phase:settled})', async () => {
  const r = await offload(['--workers', '1']);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['target_queue_backlog{phase:settled}']);
  assert.ok(ledger(r).queued > 0, 'what is left is counted as queued, not lost');
});

test('acknowledged before applied, and no idempotency: writes lost and retries applied twice (exit 99 on writes_lost, writes_applied_twice)', async () => {
  const r = await offload(['--fault', 'ack-before-apply,no-dedupe'], { ...HEADROOM, RETRY_SHARE: '0.2' });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['writes_applied_twice', 'writes_lost']);
  assert.ok(k6Values(r, 'writes_lost').count! > 10 && k6Values(r, 'writes_applied_twice').count! > 10);
});

type Workers = { workers: { consumer: string; pid: number; pending: number }[] };

/**
 * Freezes a worker (SIGSTOP), and kills it (SIGKILL) if, frozen, it holds writes it has not
 * acknowledged; otherwise thaws it and tries the next. Frozen, what it holds cannot change
 * between the look and the kill.
 */
async function killHoldingWorker(url: string): Promise<boolean> {
  const { workers } = (await (await fetch(`${url}/api/workers`)).json()) as Workers;
  assert.equal(workers.length, 4);
  for (const w of workers) {
    process.kill(w.pid, 'SIGSTOP');
    let killed = false;
    try {
      const now = (await (await fetch(`${url}/api/workers`)).json()) as Workers;
      if ((now.workers.find((x) => x.pid === w.pid)?.pending ?? 0) > 0) {
        process.kill(w.pid, 'SIGKILL');
        killed = true;
      }
    } finally {
      if (!killed) process.kill(w.pid, 'SIGCONT');
    }
    if (killed) return true;
  }
  return false;
}

test('protected, one worker killed mid-drain: the burst accepted at once (202), drained in time, every write applied once, retries and the writes of the dead worker included (exit 0)', async () => {
  const t = await startTarget('queue-offload', [...stores.targetArgs('queue'), '--claim-idle-ms', '1000']);
  try {
    const running = runK6(dist('queue-offload'), { ...HEADROOM, PROFILE: 'smoke', BASE_URL: t.url });
    // Mid-drain: the burst (2 s) is over and hundreds of writes are queued.
    await sleep(3_000);
    assert.ok(await killHoldingWorker(t.url), 'a worker holding writes was killed');
    const r = await running;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(r.report!.failedThresholds, []);
    assert.ok(k6Values(r, 'target_queue_backlog').max! > 100, 'the burst outran the database: a backlog of hundreds');
    assert.ok(k6Values(r, 'queue_reclaimed_in_run').max! >= 1, 'the killed worker held writes, and another claimed them');
    assert.equal(k6Values(r, 'writes_queued').rate, 1);
    assert.equal(k6Values(r, 'writes_status_url_given').rate, 1);
    const l = ledger(r);
    assert.equal(l.effects, l.applied, 'retried and reclaimed writes took effect once');
    assert.equal(l.queued, 0);
    // About 600 (300 writes/s for 2 s); writes_lost already proves every acknowledged one applied.
    assert.ok(l.applied >= 300, `${l.applied} writes applied`);
  } finally {
    await t.stop();
  }
});
