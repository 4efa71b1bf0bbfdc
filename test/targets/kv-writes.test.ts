// The kv-writes target as a process, on a private Redis: protected writes a user's state once in
// a window however many requests it makes, naive once per request; both hold the user to its
// limit with 429 and Retry-After; without its store it will not start, and says where it looked.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, freePort, type Service } from '../../harness/services.ts';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';

let redis: Service;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const call = (t: TargetProcess, user: string) => fetch(`${t.url}/api/work`, { headers: { 'X-User-Id': user } });

/** Statuses of `n` back-to-back requests from `user`. */
async function burst(t: TargetProcess, user: string, n: number): Promise<number[]> {
  const statuses = [];
  for (let i = 0; i < n; i++) statuses.push((await call(t, user)).status);
  return statuses;
}

for (const [mode, writes] of [
  ['protected', 1],
  ['naive', 6],
] as const) {
  test(`${mode}: a burst of 6 gets 5 through and a 429 with Retry-After, and costs the store ${writes} write(s)`, async () => {
    const t = await startTarget('kv-writes', ['--mode', mode, '--redis-url', redis.url, '--key-prefix', `${mode}-${process.pid}`]);
    try {
      // Within one second, so the burst sits in one window (a slow start is waited out).
      while (Date.now() % 1000 > 500) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(await burst(t, 'alice', 6), [200, 200, 200, 200, 200, 429]);
      assert.ok(Number((await call(t, 'alice')).headers.get('retry-after')) >= 1);
      assert.equal(await t.metric('kv_writes_total', { result: 'ok' }), mode === 'naive' ? writes + 1 : writes);
      assert.ok((await t.metric('kv_store_write_commands')) >= writes, "the store's own count");
    } finally {
      await t.stop();
    }
  });
}

test('without its store the target does not start, and names the store it tried', async () => {
  const port = await freePort();
  await assert.rejects(
    startTarget('kv-writes', ['--redis-url', `redis://127.0.0.1:${port}`]),
    new RegExp(`cannot reach the KV store at redis://127.0.0.1:${port}`),
  );
});
