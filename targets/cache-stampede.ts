// The cache-stampede target of the flood-defence study (cache breakdown): GET /api/item reads a hot
// key from Redis and, on a miss, from PostgreSQL with a slow query. `naive`: every miss queries
// the origin, so one expiry sends every reader in flight to the database. `protected`:
// single-flight (one origin query per key: in this instance, or with --single-flight global
// across instances by a Redis lock) and stale-while-revalidate (the last value served while one
// refresh runs). Expiries and origin queries are counted in the stores, not per instance.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Counter, Gauge, Registry } from 'prom-client';
import { routes, sendJson, serveHttp } from './http-server.ts';
import { closingAlso } from './lifecycle.ts';
import { databaseUrlFlag, redisUrlFlag } from './store-flags.ts';
import type { TargetModule } from './target.ts';

export const API_PATH = '/api/item';
// A lock outlives any origin query it guards, and is released as soon as the query is done.
const LOCK_MS = 5_000;
// How often a reader that lost the lock looks for the value the holder writes, and for how long.
const LOCK_POLL_MS = 10;
const LOCK_WAIT_MS = 3_000;

interface Item {
  value: string;
  filledAt: number;
}

export const cacheStampede: TargetModule = {
  name: 'cache-stampede',
  modes: ['protected', 'naive'],
  describe: {
    protected: 'single-flight per key (a Redis lock across instances with --single-flight global) and stale-while-revalidate',
    naive: 'every miss queries the origin: one expiry sends every reader in flight to the database',
  },
  flags: {
    'database-url': databaseUrlFlag('PostgreSQL, the origin'),
    'redis-url': redisUrlFlag('Redis, the cache'),
    schema: {
      describe: 'schema the target creates and uses',
      type: 'string',
      defaults: { protected: 'floodgate_cache', naive: 'floodgate_cache' },
    },
    'key-prefix': { describe: 'key prefix in Redis', type: 'string', defaults: { protected: 'floodgate:cache', naive: 'floodgate:cache' } },
    'ttl-ms': { describe: 'how long a cached value lives before it expires', type: 'number', defaults: { protected: 1000, naive: 1000 } },
    'query-ms': { describe: "the origin's slow query", type: 'number', defaults: { protected: 200, naive: 200 } },
    'pool-size': { describe: 'connections to the origin', type: 'number', defaults: { protected: 20, naive: 20 } },
    'single-flight': {
      describe: 'one origin query per key in this instance (local), across instances by a Redis lock (global), or none',
      type: 'string',
      choices: ['global', 'local', 'none'],
      defaults: { protected: 'global', naive: 'none' },
    },
    'stale-while-revalidate': {
      describe: 'serve the last value while one refresh runs, instead of waiting for it',
      type: 'boolean',
      defaults: { protected: true, naive: false },
    },
  },
  async start({ host, port, flags }) {
    const schema = flags.schema as string;
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`--schema ${schema}: expected a lowercase SQL identifier`);
    const prefix = flags['key-prefix'] as string;
    const ttlMs = flags['ttl-ms'] as number;
    const queryMs = flags['query-ms'] as number;
    const singleFlight = flags['single-flight'] as 'global' | 'local' | 'none';
    const swr = flags['stale-while-revalidate'] as boolean;
    const pool = new pg.Pool({
      connectionString: flags['database-url'] as string,
      max: flags['pool-size'] as number,
      application_name: 'floodgate-cache-stampede',
    });
    pool.on('error', () => {});
    // The scrape's own query on a connection of its own: the origin's pool counts the origin's work only.
    const counts = new pg.Pool({
      connectionString: flags['database-url'] as string,
      max: 1,
      application_name: 'floodgate-cache-stampede-metrics',
    });
    counts.on('error', () => {});
    const redis = new Redis(flags['redis-url'] as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    try {
      await pool.query(
        `CREATE SCHEMA IF NOT EXISTS ${schema};
         CREATE TABLE IF NOT EXISTS ${schema}.origin_queries (key text PRIMARY KEY, n bigint NOT NULL)`,
      );
      await redis.connect();
    } catch (err) {
      await pool.end();
      await counts.end();
      redis.disconnect();
      throw new Error(`cannot prepare the origin (PostgreSQL) and the cache (Redis): ${(err as Error).message}`, { cause: err });
    }

    const registry = new Registry();
    const answers = new Counter({
      name: 'cache_answers_total',
      help: 'Reads by how they were answered: hit, stale (served while one refresh runs), origin (waited for a query), lock_wait (waited for another instance).',
      labelNames: ['answer'],
      registers: [registry],
    });
    const localQueries = new Counter({ name: 'origin_queries_total', help: 'Origin queries this instance ran.', registers: [registry] });
    new Gauge({
      name: 'origin_queries_db',
      help: "Origin queries by the database's own count (a counter table the query updates): every instance's.",
      registers: [registry],
      async collect() {
        const r = await counts.query<{ n: string | null }>(`SELECT sum(n) AS n FROM ${schema}.origin_queries`).catch(() => undefined);
        if (r) this.set(Number(r.rows[0]?.n ?? 0));
      },
    });
    new Gauge({
      name: 'cache_expiries',
      help: 'Times a cached value expired and was missed, counted once per expiry in Redis: every instance sees the same.',
      registers: [registry],
      async collect() {
        const n = await redis.get(`${prefix}:expiries`).catch(() => undefined);
        if (n !== undefined) this.set(Number(n ?? 0));
      },
    });
    // The peak since the last scrape: a query of 200 ms between two scrapes a second apart
    // would be missed by a reading of the moment.
    let peak = 0;
    new Gauge({
      name: 'origin_connections_peak',
      help: 'Most origin connections in use at once since the last scrape.',
      registers: [registry],
      collect() {
        this.set(peak);
        peak = pool.totalCount - pool.idleCount;
      },
    });

    const cacheKey = (key: string) => `${prefix}:item:${key}`;
    const staleKey = (key: string) => `${prefix}:stale:${key}`;
    const genKey = (key: string) => `${prefix}:gen:${key}`;

    /** The slow query, counted in the database before it runs. */
    async function queryOrigin(key: string): Promise<Item> {
      const client = await pool.connect();
      peak = Math.max(peak, pool.totalCount - pool.idleCount);
      try {
        localQueries.inc();
        await client.query(
          `INSERT INTO ${schema}.origin_queries (key, n) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET n = ${schema}.origin_queries.n + 1`,
          [key],
        );
        const r = await client.query<{ value: string }>(`SELECT pg_sleep($1::float8 / 1000), 'value of ' || $2 AS value`, [queryMs, key]);
        return { value: r.rows[0]!.value, filledAt: Date.now() };
      } finally {
        client.release();
      }
    }

    // A read, atomically: the cached value, or (a miss) the expiry of the generation last filled,
    // counted once however many readers miss it. A reader that got here after the fill gets the value.
    const READ = `local v = redis.call('get', KEYS[1])
      if v then return v end
      local gen = redis.call('get', KEYS[2]) or '0'
      if redis.call('set', KEYS[3] .. gen, '1', 'PX', ARGV[1], 'NX') then redis.call('incr', KEYS[4]) end
      return false`;
    const readOrCountExpiry = async (key: string) =>
      (await redis.eval(
        READ,
        4,
        cacheKey(key),
        genKey(key),
        `${prefix}:expired:${key}:`,
        `${prefix}:expiries`,
        String(60 * ttlMs + 60_000),
      )) as string | null;

    async function fill(key: string, item: Item): Promise<void> {
      const json = JSON.stringify(item);
      await redis
        .multi()
        .incr(genKey(key))
        .set(cacheKey(key), json, 'PX', ttlMs)
        .set(staleKey(key), json, 'PX', ttlMs * 30)
        .exec();
    }

    async function fetchAndFill(key: string, recheck: boolean): Promise<Item> {
      // A reader that missed just before another's refresh finished finds the value here.
      const filled = recheck ? await redis.get(cacheKey(key)) : null;
      if (filled) return JSON.parse(filled) as Item;
      const item = await queryOrigin(key);
      await fill(key, item);
      return item;
    }

    /** One origin query per key across instances: the lock's holder fills, the others wait for the value. */
    async function globally(key: string): Promise<{ item: Item; waited: boolean }> {
      const lock = `${prefix}:lock:${key}`;
      const token = randomUUID();
      if ((await redis.set(lock, token, 'PX', LOCK_MS, 'NX')) === 'OK') {
        try {
          return { item: await fetchAndFill(key, true), waited: false };
        } finally {
          // Released only by its holder (a lock that timed out may be another's by now).
          await redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, lock, token);
        }
      }
      for (const end = Date.now() + LOCK_WAIT_MS; Date.now() < end;) {
        await sleep(LOCK_POLL_MS);
        const v = await redis.get(cacheKey(key));
        if (v) return { item: JSON.parse(v) as Item, waited: true };
      }
      return { item: await fetchAndFill(key, true), waited: false }; // the holder died: go ourselves
    }

    const inFlight = new Map<string, Promise<{ item: Item; waited: boolean }>>();
    function refresh(key: string): Promise<{ item: Item; waited: boolean }> {
      if (singleFlight === 'none') return fetchAndFill(key, false).then((item) => ({ item, waited: false }));
      let p = inFlight.get(key);
      if (!p) {
        p = (singleFlight === 'global' ? globally(key) : fetchAndFill(key, true).then((item) => ({ item, waited: false }))).finally(() =>
          inFlight.delete(key),
        );
        inFlight.set(key, p);
      }
      return p;
    }

    async function read(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const key = new URL(req.url ?? '/', 'http://x').searchParams.get('key') ?? 'hot';
      if (!/^[\w.-]{1,64}$/.test(key)) return sendJson(res, 400, { error: 'expected ?key=<1-64 of A-Z a-z 0-9 _ . ->' });
      const cached = await readOrCountExpiry(key);
      if (cached) {
        answers.inc({ answer: 'hit' });
        return sendJson(res, 200, { key, ...(JSON.parse(cached) as Item), answer: 'hit' });
      }
      if (swr) {
        const stale = await redis.get(staleKey(key));
        if (stale) {
          refresh(key).catch(() => undefined); // the one refresh; this reader does not wait for it
          answers.inc({ answer: 'stale' });
          return sendJson(res, 200, { key, ...(JSON.parse(stale) as Item), answer: 'stale' });
        }
      }
      const { item, waited } = await refresh(key);
      answers.inc({ answer: waited ? 'lock_wait' : 'origin' });
      sendJson(res, 200, { key, ...item, answer: waited ? 'lock_wait' : 'origin' });
    }

    const server = await serveHttp({ name: 'cache-stampede', registry, host, port, handler: routes({ [`GET ${API_PATH}`]: read }) });
    return closingAlso(server, async () => {
      redis.disconnect();
      await pool.end();
      await counts.end();
    });
  },
};
