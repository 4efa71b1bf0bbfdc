// A per-user token bucket (GCRA: the cell-rate form of a token bucket that go-redis/redis_rate
// uses), kept in memory or in Redis. Why not rate-limiter-flexible's fixed windows: a user
// sending at exactly its limit (the Go-API resilience study's 5 req/s) lands its 6th request just before or just
// after the window edge depending on a millisecond of jitter, so a fixed window throws false
// 429s at well-behaved users; a bucket with a burst absorbs that jitter.
import { Redis } from 'ioredis';

export interface Decision {
  allowed: boolean;
  /** Requests the user could still send right now. */
  remaining: number;
  /** When refused: ms until one more request would be allowed. */
  retryAfterMs: number;
  /** ms until the bucket is full again. */
  resetMs: number;
}

export interface Limiter {
  take(user: string): Promise<Decision>;
  close(): Promise<void>;
}

export interface LimiterOptions {
  /** Sustained requests per second per user. */
  rate: number;
  /** Requests a user may send at once (the bucket's size). */
  burst: number;
}

/**
 * One GCRA step: `tat` is the theoretical arrival time of the next request when the user keeps
 * exactly to the rate. A request is allowed while tat stays within `burst` intervals of now.
 */
export function gcra(tat: number | undefined, now: number, o: LimiterOptions): { decision: Decision; tat: number } {
  const interval = 1000 / o.rate;
  const tolerance = interval * o.burst;
  const start = Math.max(tat ?? now, now);
  const next = start + interval;
  const slack = now - (next - tolerance);
  if (slack < 0) {
    return { decision: { allowed: false, remaining: 0, retryAfterMs: Math.ceil(-slack), resetMs: Math.ceil(start - now) }, tat: start };
  }
  return {
    decision: { allowed: true, remaining: Math.floor(slack / interval), retryAfterMs: 0, resetMs: Math.ceil(next - now) },
    tat: next,
  };
}

export function memoryLimiter(o: LimiterOptions): Limiter {
  const tats = new Map<string, number>();
  // Forget users whose bucket is full again, so the map does not grow with every user ever seen.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [user, tat] of tats) if (tat <= now) tats.delete(user);
  }, 10_000).unref();
  return {
    async take(user) {
      const { decision, tat } = gcra(tats.get(user), Date.now(), o);
      tats.set(user, tat);
      return decision;
    },
    async close() {
      clearInterval(sweep);
    },
  };
}

// The same step, atomic in Redis, on Redis's clock so every instance agrees on "now".
const GCRA_LUA = `
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local nxt = tat + interval
local slack = now - (nxt - tolerance)
if slack < 0 then
  return {0, 0, math.ceil(-slack), math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.ceil(nxt - now) + 1000)
return {1, math.floor(slack / interval), 0, math.ceil(nxt - now)}
`;

export async function redisLimiter(o: LimiterOptions & { url: string; prefix: string }): Promise<Limiter> {
  const redis = new Redis(o.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3_000 });
  redis.on('error', () => {}); // surfaced per request (503) and at connect below, not as a crash
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${o.url} (${(err as Error).message}): start Redis, or use --store memory`, { cause: err });
  }
  const interval = 1000 / o.rate;
  const tolerance = interval * o.burst;
  // EVALSHA with the script cached on the server: one round trip per request.
  redis.defineCommand('gcra', { numberOfKeys: 1, lua: GCRA_LUA });
  const gcraCommand = (redis as unknown as { gcra(key: string, interval: number, tolerance: number): Promise<number[]> }).gcra.bind(redis);
  return {
    async take(user) {
      const [allowed, remaining, retryAfterMs, resetMs] = await gcraCommand(`${o.prefix}:${user}`, interval, tolerance);
      return { allowed: allowed === 1, remaining: remaining!, retryAfterMs: retryAfterMs!, resetMs: resetMs! };
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
