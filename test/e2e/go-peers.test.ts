// Services nobody here wrote, judged by the pack's gates unchanged: small Go services under
// test/peers/, written as Go teams write them (golang-jwt + keyfunc + x/time/rate, go-redis +
// redis_rate, client_golang), each in a correct and a broken mode, each run with the command its
// scenario's page gives for "your own service", read from the page itself. The test asserts the
// verdict and the gates that decided it: a page example that passes a broken service is a defect
// of the example, the gate or the default, never of the peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPeer, type Peer } from '../../harness/peers.ts';
import { createSchema, dropSchema, ensurePostgres, startRedis, type Service } from '../../harness/services.ts';
import { sampleSum } from '../../lib/prometheus.ts';
import { docK6Args } from '../helpers/doc-commands.ts';
import { HEADROOM, headroomWithout, k6Values, runK6, type K6Result } from '../helpers/k6.ts';

/** A counter of a peer's /metrics, 0 while it has none. */
async function peerMetric(peer: Peer, selector: Parameters<typeof sampleSum>[1]): Promise<number> {
  const text = await (await fetch(`${peer.url}/metrics`)).text();
  return sampleSum(text, selector) ?? 0;
}

/** Starts each peer in turn (a later one may need an earlier one's URL), runs `body`, and stops them all in reverse. */
async function withPeers<T>(starts: ((started: Peer[]) => Promise<Peer>)[], body: (peers: Peer[]) => Promise<T>): Promise<T> {
  const peers: Peer[] = [];
  try {
    for (const start of starts) peers.push(await start(peers));
    return await body(peers);
  } finally {
    for (const p of peers.reverse()) await p.stop();
  }
}

// auth-flood: the issuer, then the origin and the edge (both fetch the issuer's JWKS at start),
// each a process of its own. `env` may use EDGE, ISSUER and ORIGIN for their URLs.
async function authFlood(edgeMode: string, env: Record<string, string>, edgeArgs: string[] = []): Promise<K6Result> {
  return withPeers(
    [
      () => startPeer('jwt-edge', ['-role', 'issuer']),
      ([issuer]) => startPeer('jwt-edge', ['-role', 'origin', '-issuer', issuer!.url]),
      ([issuer, origin]) =>
        startPeer('jwt-edge', ['-role', 'edge', '-mode', edgeMode, '-issuer', issuer!.url, '-origin', origin!.url, ...edgeArgs]),
    ],
    async ([issuer, origin, edge]) => {
      const urls = { EDGE: edge!.url, ISSUER: issuer!.url, ORIGIN: origin!.url };
      const { script, args } = docK6Args('auth-flood', {
        'http://127.0.0.1:9000': urls.EDGE,
        'http://127.0.0.1:9001': urls.ISSUER,
        'http://127.0.0.1:9002': urls.ORIGIN,
      });
      const filled = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, v.replace(/EDGE|ISSUER|ORIGIN/g, (n) => urls[n as keyof typeof urls])]),
      );
      return runK6(script, { PROFILE: 'smoke', ...filled }, args);
    },
  );
}

test("auth-flood's own-service example: a Go JWT edge with keyfunc's cache and a per-address limit in front of everything passes (exit 0)", async () => {
  const r = await authFlood('cached', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.deepEqual(r.report!.notGated, []);
  // Every gate measured through the three endpoints: CPU and refusals at the edge, fetches at the issuer, arrivals at the origin.
  for (const m of ['target_cpu_ms_per_rejection', 'target_jwks_fetches_per_minute', 'target_origin_invalid_requests'])
    assert.ok(k6Values(r, m).count! >= 3, `${m} sampled`);
  // The limit answered much of the attacker's flood with 429 and Retry-After, which counts as refused.
  assert.equal(k6Values(r, 'auth_invalid_rejected').rate, 1);
});

test('the same example against a Go edge that fetches its JWKS for every token fails on that gate alone (exit 99)', async () => {
  const r = await authFlood('per-request', {});
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['target_jwks_fetches_per_minute']);
  // The gate's bound is 10 a minute; a fetch per checked token is a hundred times that and more.
  assert.ok(k6Values(r, 'target_jwks_fetches_per_minute').max! > 100);
});

test('setup through the edge (TOKEN_PATH) meets its limit of 20 at once per address: waited out as Retry-After asks, then judged (exit 0)', async () => {
  const r = await authFlood('cached', { ...HEADROOM, TOKEN_URL: '', TOKEN_PATH: '/auth/token' }, ['-burst', '20']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
});

test('an issuer that refuses setup stops the run before any load (exit 108), saying what answered and why', async () => {
  // The edge's own API as the issuer: it answers 401 to a request without a token.
  const r = await authFlood('cached', { TOKEN_URL: 'EDGE/v1/me' });
  assert.equal(r.code, 108, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /auth-flood needs a token for each user before the load: token 1 of 91 at http:\/\/127\.0\.0\.1:\d+\/v1\/me\?sub=user-1&ttl=\d+: HTTP 401: \{\\?"error\\?":\\?"missing bearer token\\?"\}\. The run stops before any load because it refused to answer without credentials; it came from the harness address \(127\.0\.0\.9\)/,
  );
  assert.equal(r.report!.requests.count, 2, "setup's preflight and its one token request: no load");
});

// kv-writes: the limiter on a private Redis, its command counts exported by redis-stats.
const OUTAGE = { at: 7_000, for: 3_000 };

async function kvWrites(mode: string, env: Record<string, string>): Promise<K6Result> {
  const redis = { current: await startRedis() };
  try {
    return await withPeers(
      [
        () => startPeer('redis-stats', ['-redis-url', redis.current.url]),
        () => startPeer('kv-limiter', ['-mode', mode, '-redis-url', redis.current.url]),
      ],
      async ([stats, limiter]) => {
        const { script, args } = docK6Args('kv-writes', { 'http://127.0.0.1:9000': limiter!.url, 'http://127.0.0.1:9121': stats!.url });
        // The page's OUTAGE_AT and OUTAGE_FOR are the times this test breaks the store.
        assert.ok(args.includes('OUTAGE_AT=7s') && args.includes('OUTAGE_FOR=3s'), args.join(' '));
        const run = runK6(script, { PROFILE: 'smoke', ...env }, args);
        await breakStore(limiter!, redis);
        return run;
      },
    );
  } finally {
    await redis.current.stop();
  }
}

/** Stops the store OUTAGE.at after the limiter's first request, and starts it again on its port OUTAGE.for later. */
async function breakStore(limiter: Peer, redis: { current: Service }): Promise<void> {
  const work = { name: 'http_requests_total', matchers: [{ label: 'handler', op: '=' as const, value: '/v1/tools/call' }] };
  while ((await peerMetric(limiter, work).catch(() => 0)) === 0) await sleep(50);
  await sleep(OUTAGE.at);
  const port = redis.current.port;
  await redis.current.stop();
  await sleep(OUTAGE.for);
  redis.current = await startRedis(port);
}

test("kv-writes' own-service example, two endpoints in one run: a Go limiter counting in memory, writing once a user-second, passes through a store outage (exit 0)", async () => {
  const r = await kvWrites('batched', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.deepEqual(r.report!.notGated, []);
  assert.equal(k6Values(r, 'target_kv_store_healthy{phase:outage}').min, 0, 'the service said its store was down');
  assert.match(r.stdout, /store outage\s+fail-open: users admitted on the counts in memory, no 5xx/);
});

test('the same example against go-redis/redis_rate fails on the write budget and on 5xx while the store is down (exit 99)', async () => {
  const r = await kvWrites('redis-rate', {});
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['failed_requests{failure_mode:http_5xx}', 'target_kv_writes_per_user_second']);
  // The budget is 1.25; a script with a write in it for each request at 5 req/s is several times that.
  assert.ok(k6Values(r, 'target_kv_writes_per_user_second').max! > 2 * 1.25);
});

/** A PostgreSQL schema of the test's own for `body`, dropped after; `params` join the URL (pool_max_conns...). */
async function withSchema<T>(label: string, params: Record<string, string>, body: (url: string) => Promise<T>): Promise<T> {
  const pg = await ensurePostgres();
  const schema = `floodgate_peer_${label}_${process.pid}`;
  try {
    return await body(await createSchema(pg, schema, params));
  } finally {
    await dropSchema(pg, schema);
  }
}

// db-pool: a debit API on pgxpool, 60 connections, each debit holding one for 2 s.
const dbPool = (mode: string, env: Record<string, string>) =>
  withSchema(`pgx_${mode}`, { pool_max_conns: '60' }, (url) =>
    withPeers([() => startPeer('pgx-debits', ['-mode', mode, '-database-url', url])], async ([svc]) => {
      const { script, args } = docK6Args('db-pool', { 'http://127.0.0.1:9000': svc!.url });
      return runK6(script, { PROFILE: 'smoke', ...env }, args);
    }),
  );

test("db-pool's own-service example: a Go service on pgxpool with a bounded wait (1 s, 60 callers) passes, every write accounted for (exit 0)", async () => {
  const r = await dbPool('bounded', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.deepEqual(r.report!.notGated, []);
  assert.ok(k6Values(r, 'target_pool_waiting').max! >= 45, 'the pool ran dry: callers queued for it (60 at most)');
});

test("the same example against pgxpool's default, an unbounded wait for as long as the request lives, fails on timeouts, p99 and callers waiting (exit 99)", async () => {
  const r = await dbPool('unbounded', {});
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, [
    'failed_requests{failure_mode:request_timeout}',
    'http_req_duration{scenario:overload}',
    'target_pool_waiting',
  ]);
  // The gate's bound is 65; every client of the overload queued.
  assert.ok(k6Values(r, 'target_pool_waiting').max! > 1.25 * 65);
  // Consistent all the same: no write lost or doubled.
  for (const m of ['debits_lost', 'debits_phantom', 'consistency_mismatches']) assert.ok(k6Values(r, m).count! <= 0, m);
});

// queue-offload: writes accepted onto a Redis Stream, applied to PostgreSQL by a consumer group.
const queueOffload = (mode: string, env: Record<string, string>) =>
  withSchema(`streams_${mode.replace(/-/g, '_')}`, {}, async (url) => {
    const redis = await startRedis();
    try {
      return await withPeers(
        [() => startPeer('streams-offload', ['-mode', mode, '-database-url', url, '-redis-url', redis.url])],
        async ([svc]) => {
          const { script, args } = docK6Args('queue-offload', { 'http://127.0.0.1:9000': svc!.url });
          return runK6(script, { PROFILE: 'smoke', ...env }, args);
        },
      );
    } finally {
      await redis.stop();
    }
  });

test("queue-offload's own-service example: a Go consumer group applying each write once, keyed in the same transaction, passes (exit 0)", async () => {
  const r = await queueOffload('exactly-once', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.deepEqual(r.report!.notGated, []);
  assert.equal(k6Values(r, 'target_queue_backlog{phase:settled}').max, 0);
});

test('the same example against a consumer that applies reclaimed entries again fails on writes applied twice alone (exit 99)', async () => {
  const r = await queueOffload('at-least-once', {});
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['writes_applied_twice']);
});

// cache-stampede: a product cache with a 1 s TTL in front of a 50 ms PostgreSQL query.
const cacheStampede = (mode: string, env: Record<string, string>) =>
  withSchema(`cache_${mode}`, {}, (url) =>
    withPeers([() => startPeer('singleflight-cache', ['-mode', mode, '-database-url', url])], async ([svc]) => {
      const { script, args } = docK6Args('cache-stampede', { 'http://127.0.0.1:9000': svc!.url });
      return runK6(script, { PROFILE: 'smoke', ...env }, args);
    }),
  );

test("cache-stampede's own-service example: a Go cache whose misses share one query (x/sync/singleflight) passes (exit 0)", async () => {
  const r = await cacheStampede('singleflight', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.deepEqual(r.report!.notGated, []);
});

test('the same example against a cache whose every miss queries the database fails on queries per expiry and the connections it took (exit 99)', async () => {
  // Judged on the two gates a stampede is about. The readers' p99 is left out of this run: with a
  // 50 ms query it sits near its 100 ms bound either way (69 ms to past 100 in runs here).
  const r = await cacheStampede('plain', { THRESHOLDS_FILE: headroomWithout('cache-stampede', 'http_req_duration{scenario:readers}') });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['target_db_connections_peak', 'target_origin_queries_per_expiry']);
  // The bound is 1.5 queries an expiry; every reader that missed queried.
  assert.ok(k6Values(r, 'target_origin_queries_per_expiry').max! > 2 * 1.5);
});
