// The burst target as a process: a user over its token bucket gets 429 with Retry-After and
// RateLimit-*; other users are untouched; naive admits all; two in-memory instances drift.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';
import { startRedis, type Service } from '../../harness/services.ts';

let redis: Service;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const call = (t: TargetProcess, user: string, header = 'X-User-Id') => fetch(`${t.url}/api/work`, { headers: { [header]: user } });

/** How many of `n` back-to-back requests from `user` are admitted. */
async function admitted(t: TargetProcess, user: string, n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await call(t, user)).status === 200) ok++;
  return ok;
}

// --limit 1 where a test counts back-to-back admissions: one token a second, so a slow machine
// cannot refill the bucket mid-test.
test('a user over its limit, past its burst of 5, gets 429 with Retry-After and RateLimit-* headers', async () => {
  const t = await startTarget('burst', ['--limit', '1']);
  try {
    assert.equal(await admitted(t, 'alice', 5), 5, 'the burst of 5 is admitted at once');
    const refused = await call(t, 'alice');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal(refused.headers.get('ratelimit-limit'), '1');
    assert.equal(refused.headers.get('ratelimit-remaining'), '0');
    assert.match(refused.headers.get('ratelimit-policy') ?? '', /^1;w=1;burst=5$/);
    assert.equal((await call(t, 'bob')).status, 200, 'another user keeps its own bucket');
    assert.equal(await t.metric('burst_requests_total', { outcome: 'rejected' }), 1);
    assert.equal(await t.metric('burst_requests_total', { outcome: 'admitted' }), 6);
  } finally {
    await t.stop();
  }
});

test('a request without the user header is a 400 naming the header; the header name is an option', async () => {
  const t = await startTarget('burst', ['--user-header', 'X-Account']);
  try {
    const missing = await fetch(`${t.url}/api/work`);
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /missing X-Account header/);
    assert.equal((await call(t, 'carol', 'X-Account')).status, 200);
  } finally {
    await t.stop();
  }
});

test('naive mode admits everything', async () => {
  const t = await startTarget('burst', ['--mode', 'naive']);
  try {
    assert.equal(await admitted(t, 'alice', 20), 20);
  } finally {
    await t.stop();
  }
});

test('two in-memory instances behind round robin each count alone: the user gets twice the burst', async () => {
  const t = await startTarget('burst', ['--instances', '2', '--limit', '1']);
  try {
    assert.equal(await admitted(t, 'dave', 20), 10);
  } finally {
    await t.stop();
  }
});

test('two instances sharing Redis count together: the user gets the burst once', async () => {
  const t = await startTarget('burst', [
    '--instances',
    '2',
    '--limit',
    '1',
    '--store',
    'redis',
    '--redis-url',
    redis.url,
    '--redis-prefix',
    `test-${process.pid}`,
  ]);
  try {
    assert.equal(await admitted(t, 'erin', 20), 5);
  } finally {
    await t.stop();
  }
});

test('an unreachable Redis stops the target at start with what to do', () => {
  const bundle = fileURLToPath(new URL('../../dist/targets.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [bundle, 'burst', '--port', '0', '--store', 'redis', '--redis-url', 'redis://127.0.0.1:1'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*start Redis, or use --store memory/);
});
