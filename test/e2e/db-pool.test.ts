// Red/green with real k6 and the real PostgreSQL: against the protected target an exhausted pool
// means fast 503s, a bounded queue and recovery in seconds; against the naive one requests hang
// past the client's timeout, the queue grows without bound and recovery is slow (exit 99). In
// both, the ledger check finds no debit lost or applied twice.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { dropSchema, ensurePostgres } from '../../harness/services.ts';
import { smokeAgainst, type K6Result } from '../helpers/k6.ts';

const schema = `floodgate_e2e_${process.pid}`;
let url: string;
before(async () => {
  url = await ensurePostgres();
});
after(async () => {
  await dropSchema(url, schema);
});

const against = (mode: string, targetArgs: string[] = [], env: Record<string, string> = {}): Promise<K6Result> =>
  smokeAgainst('db-pool', 'db-pool', ['--mode', mode, '--schema', schema, '--database-url', url, ...targetArgs], env);

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
  for (const gate of [
    'failed_requests{failure_mode:request_timeout}',
    'http_req_duration{scenario:overload}',
    'target_pool_waiting',
    'recovery_seconds',
  ]) {
    assert.ok(r.report!.failedThresholds.includes(gate), `${gate} in ${r.report!.failedThresholds}`);
  }
  assert.ok(observed(r, 'recovery_seconds') >= 10, `recovery took ${observed(r, 'recovery_seconds')} s`);
  for (const gate of ['debits_lost', 'debits_phantom', 'consistency_mismatches'])
    assert.ok(!r.report!.failedThresholds.includes(gate), gate);
});

// Short, within the pool: the consistency faults need debits, not an exhausted pool.
const LEDGER_LOAD = { OVERLOAD_STAGES: '1s:30,4s:30', RECOVERY_FOR: '2s' };

/** A short protected run with `fault`: exactly `gate` fails, and it counted something. */
async function ledgerFault(fault: string, gate: string): Promise<void> {
  const r = await against('protected', ['--fault', fault], LEDGER_LOAD);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, [gate]);
  assert.ok(observed(r, gate) > 0, `${gate} = ${observed(r, gate)}`);
}

test('acknowledged debits that were rolled back fail debits_lost alone (exit 99)', () => ledgerFault('lost-writes', 'debits_lost'));

test('debits answered 503 that were committed fail debits_phantom alone (exit 99)', () =>
  ledgerFault('refused-but-applied', 'debits_phantom'));

test('balances charged twice what the ledger holds fail consistency_mismatches alone (exit 99)', () =>
  ledgerFault('balance-drift', 'consistency_mismatches'));
