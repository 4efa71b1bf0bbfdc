// The cache-stampede target as a process, on a private Redis and its own schema: twenty readers
// missing the hot key at once cost the origin one query with single-flight and twenty without,
// and the expiry is counted once either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget } from '../../harness/target-process.ts';
import { privateStores } from '../helpers/stores.ts';

const stores = privateStores();

for (const [mode, queries] of [
  ['protected', 1],
  ['naive', 20],
] as const) {
  test(`${mode}: twenty readers missing the hot key at once cost the origin ${queries} quer${queries === 1 ? 'y' : 'ies'}, and one expiry`, async () => {
    const t = await startTarget('cache-stampede', ['--mode', mode, ...stores.targetArgs('cache_t')]);
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${t.url}/api/item?key=hot`).then((r) => r.json())));
      assert.ok(answers.every((a) => (a as { value: string }).value === 'value of hot'));
      assert.equal(await t.metric('origin_queries_db'), queries);
      assert.equal(await t.metric('cache_expiries'), 1);
      assert.equal((await fetch(`${t.url}/api/item?key=a%20b`)).status, 400);
    } finally {
      await t.stop();
    }
  });
}
