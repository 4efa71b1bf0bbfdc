// The db-pool target as a process on the real PostgreSQL: a key applied twice debits once;
// an exhausted pool answers 503 at once with a body that says so; its schema is its own.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dropSchema, ensurePostgres } from '../../harness/services.ts';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';
import { eventually } from '../helpers/eventually.ts';

const schema = `floodgate_test_${process.pid}`;
let url: string;
before(async () => {
  url = await ensurePostgres();
});
after(async () => {
  await dropSchema(url, schema);
});

const debit = (t: TargetProcess, key: string, account: string, amount = 3) =>
  fetch(`${t.url}/api/debit`, {
    method: 'POST',
    headers: { 'Idempotency-Key': key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ account, amount }),
  });
const ledger = async (t: TargetProcess, prefix: string) =>
  (await fetch(`${t.url}/api/ledger?prefix=${prefix}`)).json() as Promise<Record<string, number>>;

/** Connections the pool has handed out: held by a debit (or being connected for one). */
const poolBusy = async (t: TargetProcess) => (await t.metric('db_pool_total')) - (await t.metric('db_pool_idle'));

test('a debit applies once per idempotency key: the replay answers 200 and debits nothing', async () => {
  const t = await startTarget('db-pool', ['--schema', schema, '--hold-ms', '10']);
  try {
    const first = await debit(t, 'idem-k1', 'idem-acct');
    assert.equal(first.status, 201);
    assert.deepEqual(await first.json(), { key: 'idem-k1', account: 'idem-acct', amount: 3, applied: true, replay: false });
    const again = await debit(t, 'idem-k1', 'idem-acct');
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { replay: boolean }).replay, true);
    assert.deepEqual(await ledger(t, 'idem'), { prefix: 'idem', debits: 1, distinctKeys: 1, debited: 3, balanceDrop: 3 } as never);
  } finally {
    await t.stop();
  }
});

test('a debit without a key or with a bad body is a 400 saying what is needed', async () => {
  const t = await startTarget('db-pool', ['--schema', schema, '--hold-ms', '10']);
  try {
    const noKey = await fetch(`${t.url}/api/debit`, { method: 'POST', body: '{"account":"a","amount":1}' });
    assert.equal(noKey.status, 400);
    assert.match(await noKey.text(), /Idempotency-Key header/);
    const bad = await debit(t, 'bad-1', 'a', -5);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /positive integer/);
  } finally {
    await t.stop();
  }
});

test('protected: with the pool busy and the queue full, the next debit gets 503 at once with a body that says the pool is exhausted', async () => {
  const t = await startTarget('db-pool', [
    '--schema',
    schema,
    '--pool-size',
    '1',
    '--hold-ms',
    '800',
    '--max-waiting',
    '1',
    '--acquire-timeout-ms',
    '5000',
  ]);
  try {
    const holding = debit(t, 'ex-1', 'ex-a');
    await eventually(
      'the first debit holds the one connection',
      () => poolBusy(t),
      (busy) => busy === 1,
    );
    const waiting = debit(t, 'ex-2', 'ex-b');
    await eventually(
      'the second debit waits for it',
      () => t.metric('db_pool_waiting'),
      (n) => n === 1,
    );
    const t0 = performance.now();
    const refused = await debit(t, 'ex-3', 'ex-c');
    const ms = performance.now() - t0;
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    const body = (await refused.json()) as { error: string; pool: { size: number; waiting: number } };
    assert.equal(body.error, 'database pool exhausted');
    assert.deepEqual(body.pool, { size: 1, waiting: 1 });
    assert.ok(ms < 200, `503 in ${ms} ms`);
    assert.deepEqual([(await holding).status, (await waiting).status], [201, 201]);
    assert.equal(await t.metric('db_pool_exhausted_total', { reason: 'queue_full' }), 1);
  } finally {
    await t.stop();
  }
});

test('protected: a caller that cannot get a connection within the acquisition timeout gets 503', async () => {
  const t = await startTarget('db-pool', ['--schema', schema, '--pool-size', '1', '--hold-ms', '1000', '--acquire-timeout-ms', '200']);
  try {
    const holding = debit(t, 'to-1', 'to-a');
    await eventually(
      'the first debit holds the one connection',
      () => poolBusy(t),
      (busy) => busy === 1,
    );
    const refused = await debit(t, 'to-2', 'to-b');
    assert.equal(refused.status, 503);
    assert.match(((await refused.json()) as { detail: string }).detail, /no connection within 200 ms/);
    assert.equal((await holding).status, 201);
  } finally {
    await t.stop();
  }
});

test('/metrics shows the pool (total, idle, waiting), acquisition wait, 503s and the server-side connections', async () => {
  const t = await startTarget('db-pool', ['--schema', schema, '--hold-ms', '10']);
  try {
    await debit(t, 'm-1', 'm-a');
    const text = await (await fetch(`${t.url}/metrics`)).text();
    for (const name of [
      'db_pool_total',
      'db_pool_idle',
      'db_pool_waiting',
      'db_pool_acquire_seconds',
      'db_pool_exhausted_total',
      'db_server_connections',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(text, /^db_server_connections\{state="idle",target="db-pool"\} [1-9]/m);
  } finally {
    await t.stop();
  }
});

test('an unreachable database stops the target at start with what to do', () => {
  const bundle = fileURLToPath(new URL('../../dist/targets.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [bundle, 'db-pool', '--port', '0', '--database-url', 'postgres://postgres@127.0.0.1:1/postgres'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /cannot prepare PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/postgres .*start PostgreSQL or pass --database-url/,
  );
});
