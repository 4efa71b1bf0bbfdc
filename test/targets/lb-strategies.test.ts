// The lb-strategies target as a process: Debian's nginx in front of three replicas, one path per
// strategy. Round robin visits every replica in turn, the hash keeps a user on one, and each
// answer names its replica; the wrong-hash-key fault moves users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget } from '../../harness/target-process.ts';

/** The replicas that answered `n` requests from `user` through `strategy`. */
async function replicasSeen(url: string, strategy: string, user: string, n: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/${strategy}/api/work`, { headers: { 'X-User-Id': user } });
    assert.equal(r.status, 200);
    seen.push(r.headers.get('x-replica-id')!);
  }
  return seen;
}

test('even: round robin visits every replica in turn, the hash keeps each user on one, all behind one nginx', async () => {
  const t = await startTarget('lb-strategies', ['--mode', 'even']);
  try {
    assert.deepEqual(new Set(await replicasSeen(t.url, 'round_robin', 'u1', 6)), new Set(['replica-1', 'replica-2', 'replica-3']));
    const perUser = await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((u) => replicasSeen(t.url, 'hash', u, 5)));
    for (const seen of perUser) assert.equal(new Set(seen).size, 1, `one replica per user: ${seen.join(',')}`);
    assert.equal((await fetch(`${t.url}/round_robin/nowhere`)).status, 404);
  } finally {
    await t.stop();
  }
});

test('wrong-hash-key: the hash keys on each request, so a user meets several replicas', async () => {
  const t = await startTarget('lb-strategies', ['--mode', 'even', '--fault', 'wrong-hash-key']);
  try {
    assert.ok(new Set(await replicasSeen(t.url, 'hash', 'u1', 12)).size > 1);
  } finally {
    await t.stop();
  }
});

test('fewer than two replicas is refused with what is allowed', async () => {
  await assert.rejects(startTarget('lb-strategies', ['--replicas', '1']), /--replicas 1: expected an integer from 2 to 16/);
});
