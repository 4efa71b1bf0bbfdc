// The queue-offload target as a process, on a private Redis and its own schema: a write is
// accepted with 202 and a status URL, applied by a worker, and a retry with the same key is
// neither queued nor applied again; a write without a key, or with a bad body, is refused with
// what is expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget } from '../../harness/target-process.ts';
import { eventually } from '../helpers/eventually.ts';
import { privateStores } from '../helpers/stores.ts';

const stores = privateStores();

const post = (url: string, key: string | undefined, body: unknown) =>
  fetch(`${url}/api/writes`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(body),
  });

test('protected: 202 with a status URL, applied by a worker, a retry applied once; bad writes refused', async () => {
  const t = await startTarget('queue-offload', stores.targetArgs('queue_t'));
  try {
    const first = await post(t.url, 'run1-a', { amount: 3 });
    assert.equal(first.status, 202);
    const location = first.headers.get('location')!;
    assert.equal(location, '/api/writes/run1-a');
    assert.equal((await post(t.url, 'run1-a', { amount: 3 })).status, 202, 'a retry is acknowledged the same way');
    await eventually(
      'the status of the write',
      async () => ((await (await fetch(`${t.url}${location}`)).json()) as { status: string }).status,
      (s) => s === 'applied',
    );
    const ledger = await (await fetch(`${t.url}/api/ledger?prefix=run1-`)).json();
    assert.deepEqual(ledger, { applied: 1, effects: 1, queued: 0 });
    assert.equal((await post(t.url, undefined, { amount: 1 })).status, 400);
    const bad = await post(t.url, 'run1-b', { amount: -1 });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /integer from 1 to/);
    assert.equal((await fetch(`${t.url}/api/writes/nobody`)).status, 404);
    assert.equal(await t.metric('queue_workers'), 4);
  } finally {
    await t.stop();
  }
});

test('naive: 201, applied before the answer', async () => {
  const t = await startTarget('queue-offload', ['--mode', 'naive', ...stores.targetArgs('queue_t')]);
  try {
    assert.equal((await post(t.url, 'run2-a', { amount: 1 })).status, 201);
    assert.deepEqual(await (await fetch(`${t.url}/api/ledger?prefix=run2-`)).json(), { applied: 1, effects: 1, queued: 0 });
  } finally {
    await t.stop();
  }
});
