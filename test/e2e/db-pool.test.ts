// Red/green with real k6 and the real PostgreSQL: against the protected target an exhausted pool
// means fast 503s, a bounded queue and recovery in seconds; against the naive one requests hang
// past the client's timeout, the queue grows without bound and recovery is slow (exit 99). In
// both, the ledger check finds no debit lost or applied twice.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { dropSchema, ensurePostgres } from '../../harness/services.ts';
import { startTarget } from '../../harness/target-process.ts';
import { dist, runK6, type K6Result } from '../helpers/k6.ts';

const schema = `floodgate_e2e_${process.pid}`;
let url: string;
before(async () => {
  url = await ensurePostgres();
});
after(async () => {
  await dropSchema(url, schema);
});

async function against(mode: string): Promise<K6Result> {
  const t = await startTarget('db-pool', ['--mode', mode, '--schema', schema, '--database-url', url]);
  try {
    return await runK6(dist('db-pool'), { PROFILE: 'smoke', BASE_URL: t.url });
  } finally {
    await t.stop();
  }
}

const observed = (r: K6Result, metric: string) => r.report!.thresholds.find((t) => t.metric === metric)!.observed!;

test('protected: fast 503s, a bounded queue, healthy again within seconds, nothing lost or doubled (exit 0)', async () => {
  const r = await against('protected');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.ok(r.report!.failureModes.http_5xx! > 0, 'the pool ran dry: 503s were answered');
  assert.ok(observed(r, 'target_pool_waiting') >= 30, 'the probe saw the queue');
  assert.match(r.stderr, /ledger for run \w+: (\d+) debits \(\1 keys\)/);
});

test('naive: requests hang past the timeout, the queue grows, recovery is slow (exit 99); the ledger still adds up', async () => {
  const r = await against('naive');
  assert.equal(r.code, 99);
  for (const gate of ['failed_requests{failure_mode:request_timeout}', 'target_pool_waiting', 'recovery_seconds']) {
    assert.ok(r.report!.failedThresholds.includes(gate), `${gate} in ${r.report!.failedThresholds}`);
  }
  assert.ok(observed(r, 'recovery_seconds') >= 10, `recovery took ${observed(r, 'recovery_seconds')} s`);
  for (const gate of ['debits_lost', 'debits_phantom', 'consistency_mismatches'])
    assert.ok(!r.report!.failedThresholds.includes(gate), gate);
});
