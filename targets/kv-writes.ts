// The kv-writes target of the Go-API resilience study (P1, the KV write budget): the per-user
// burst limiter (5 req/s) keeping its state in a KV store, Redis here. `naive` reads and writes
// the user's state in the store on every request (the study's "a KV write per request");
// `protected` is the study's fix: state in memory, one write per user per 1 s window.
// When the store fails, protected keeps limiting from memory (fail-open, or fail-closed: 429 with
// Retry-After) and writes again once the store is back; naive answers 500.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { Counter, Gauge, Registry } from 'prom-client';
import { routes, sendJson, serveHttp } from './http-server.ts';
import { closingAlso } from './lifecycle.ts';
import { gcra } from './token-bucket.ts';
import { redisUrlFlag } from './store-flags.ts';
import type { TargetModule } from './target.ts';

export const API_PATH = '/api/work';
// The study's window: a user's state is written at most once a second.
const WINDOW_SECONDS = 1;
// What the study's code gives the KV entry (expirationTtl: 60).
const ENTRY_TTL_SECONDS = 60;
// The commands that write, as Redis names them in INFO commandstats.
const WRITE_COMMANDS = new Set([
  'set',
  'setex',
  'psetex',
  'incr',
  'incrby',
  'decr',
  'hset',
  'hincrby',
  'expire',
  'pexpire',
  'del',
  'eval',
  'evalsha',
]);

/** Write commands the store has run, by its own count (INFO commandstats), or undefined when it does not answer. */
async function storeWrites(redis: Redis): Promise<number | undefined> {
  const info = await redis.info('commandstats').catch(() => undefined);
  if (info === undefined) return undefined;
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (WRITE_COMMANDS.has(m[1]!)) calls += Number(m[2]);
  return calls;
}

export const kvWrites: TargetModule = {
  name: 'kv-writes',
  modes: ['protected', 'naive'],
  describe: {
    protected: "counts in memory, at most one KV write per user per window (the study's fix); limits from memory while the store is down",
    naive: 'reads and writes the KV store on every request; a store failure is a 500',
  },
  faults: {
    'no-reconnect': 'the store client gives up on the store once it fails and never reconnects: the limiter runs on memory for good',
  },
  flags: {
    limit: { describe: 'requests per user per 1 s window', type: 'number', defaults: { protected: 5, naive: 5 } },
    'user-header': { describe: 'request header naming the user', type: 'string', defaults: { protected: 'X-User-Id', naive: 'X-User-Id' } },
    'redis-url': redisUrlFlag('the KV store'),
    'key-prefix': { describe: 'key prefix in the store', type: 'string', defaults: { protected: 'floodgate:kv', naive: 'floodgate:kv' } },
    'on-kv-failure': {
      describe: 'while the store fails: admit on the counts in memory (open), or refuse with 429 and Retry-After (closed)',
      type: 'string',
      choices: ['open', 'closed'],
      defaults: { protected: 'open', naive: 'open' },
    },
  },
  async start({ mode, host, port, flags, faults }) {
    const limit = flags.limit as number;
    if (limit < 1) throw new Error('--limit must be at least 1');
    const header = (flags['user-header'] as string).toLowerCase();
    const prefix = flags['key-prefix'] as string;
    const redis = new Redis(flags['redis-url'] as string, {
      // Fail at once while the store is away, rather than queue a user's request behind it.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 500,
      retryStrategy: faults.has('no-reconnect') ? () => null : (times) => Math.min(times * 100, 1000),
      lazyConnect: true,
    });
    redis.on('error', () => undefined); // counted where a command fails; ioredis reconnects by itself
    await redis.connect().catch((err: Error) => {
      throw new Error(`cannot reach the KV store at ${flags['redis-url']}: ${err.message} (start Redis, or pass --redis-url)`);
    });
    const registry = new Registry();
    const writes = new Counter({
      name: 'kv_writes_total',
      help: 'KV writes the limiter made, by result (ok, error).',
      labelNames: ['result'],
      registers: [registry],
    });
    writes.inc({ result: 'ok' }, 0);
    writes.inc({ result: 'error' }, 0);
    const healthy = new Gauge({
      name: 'kv_store_healthy',
      help: "1 while the limiter's last store command succeeded.",
      registers: [registry],
    });
    healthy.set(1);
    new Gauge({
      name: 'kv_store_write_commands',
      help: 'Write commands the store has run since it started, by its own count (INFO commandstats): the KV bill.',
      registers: [registry],
      async collect() {
        const n = await storeWrites(redis);
        if (n !== undefined) this.set(n);
      },
    });
    const failClosed = flags['on-kv-failure'] === 'closed';
    // A token bucket per user (GCRA, as the burst target): a user at exactly its limit is never
    // refused for a millisecond of jitter, which a fixed window would do.
    const bucket = { rate: limit, burst: limit };
    const tats = new Map<string, number>();
    // The window (second) each user's state was last written in.
    const written = new Map<string, number>();
    let storeUp = true;

    async function kv<T>(op: () => Promise<T>): Promise<T> {
      try {
        const out = await op();
        storeUp = true;
        return out;
      } catch (err) {
        storeUp = false;
        throw err;
      } finally {
        healthy.set(storeUp ? 1 : 0);
      }
    }
    async function write(key: string, tat: number): Promise<boolean> {
      try {
        await kv(() => redis.set(key, String(tat), 'EX', ENTRY_TTL_SECONDS));
        writes.inc({ result: 'ok' });
        return true;
      } catch {
        writes.inc({ result: 'error' });
        return false;
      }
    }
    function refuse(res: ServerResponse, retryAfterMs: number): void {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
      sendJson(res, 429, { error: 'rate limit exceeded', limit: `${limit} req/s, burst ${limit}` });
    }

    async function work(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const user = req.headers[header];
      if (typeof user !== 'string' || user === '') return sendJson(res, 400, { error: `missing ${flags['user-header']} header` });
      const key = `${prefix}:${user}`;
      const now = Date.now();
      if (mode === 'naive') {
        // Read, decide, write back, every request: the store's state is the limiter's.
        const raw = await kv(() => redis.get(key));
        const step = gcra(raw === null ? undefined : Number(raw), now, bucket);
        await kv(() => redis.set(key, String(step.tat), 'EX', ENTRY_TTL_SECONDS));
        writes.inc({ result: 'ok' });
        return step.decision.allowed ? sendJson(res, 200, { user, ok: true }) : refuse(res, step.decision.retryAfterMs);
      }
      const step = gcra(tats.get(user), now, bucket);
      tats.set(user, step.tat);
      const second = Math.floor(now / 1000 / WINDOW_SECONDS);
      if (written.get(user) !== second) {
        // The first request of the user's window: the one write it costs.
        written.set(user, second);
        if (!(await write(key, step.tat)) && failClosed) return refuse(res, 1000);
      } else if (failClosed && !storeUp) return refuse(res, 1000);
      return step.decision.allowed ? sendJson(res, 200, { user, ok: true }) : refuse(res, step.decision.retryAfterMs);
    }

    const server = await serveHttp({ name: 'kv-writes', registry, host, port, handler: routes({ [`* ${API_PATH}`]: work }) });
    return closingAlso(server, async () => {
      redis.disconnect();
    });
  },
};
