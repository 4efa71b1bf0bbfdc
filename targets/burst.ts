// The burst target of the Go-API resilience study (P1 burst, P3 drift): an API whose request costs a little CPU,
// identifying the user by a header. `naive` admits everything; `protected` holds each user to
// a token bucket (5 req/s, burst 5) and answers the excess with 429, Retry-After and RateLimit-*.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Registry } from 'prom-client';
import { routes, sendJson, serveHttp } from './http-server.ts';
import { burnCpu, closingAlso } from './lifecycle.ts';
import { memoryLimiter, redisLimiter, type Decision, type Limiter } from './token-bucket.ts';
import type { TargetModule } from './target.ts';

function rateLimitHeaders(d: Decision, rate: number, burst: number): Record<string, string> {
  // IETF draft "RateLimit header fields for HTTP": limit, remaining, seconds to full reset.
  return {
    'RateLimit-Limit': String(rate),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(Math.ceil(d.resetMs / 1000)),
    'RateLimit-Policy': `${rate};w=1;burst=${burst}`,
  };
}

// --fault slow-origin: far past the scenario's latency gates and its VUs' reach (500 req/s x 3 s).
const SLOW_ORIGIN_MS = 3_000;

export const burst: TargetModule = {
  name: 'burst',
  modes: ['protected', 'naive'],
  describe: {
    protected: 'per-user token bucket (--limit req/s, --burst at once); excess gets 429 with Retry-After and RateLimit-* headers',
    naive: 'no limiter: every request is admitted and costs its work',
  },
  faults: {
    'key-by-address':
      'the limiter counts per client address, not per user: behind one proxy or NAT every user shares a bucket (false 429s)',
    'no-retry-after': 'refusals are a bare 429, without Retry-After: the client cannot tell when to come back',
    'slow-origin':
      'every admitted request waits 3 s (a stalled origin): latency, and more arrivals than the load generator can keep in flight',
    errors: 'one admitted request in ten answers 500',
  },
  flags: {
    'cost-us': { describe: 'CPU work per admitted request, in microseconds', type: 'number', defaults: { protected: 500, naive: 500 } },
    'user-header': { describe: 'request header naming the user', type: 'string', defaults: { protected: 'X-User-Id', naive: 'X-User-Id' } },
    limit: { describe: 'requests per second per user', type: 'number', defaults: { protected: 5, naive: 5 } },
    burst: { describe: 'requests a user may send at once', type: 'number', defaults: { protected: 5, naive: 5 } },
    store: {
      describe: "where the limiter counts: this process's memory, or Redis (shared by instances)",
      type: 'string',
      choices: ['memory', 'redis'],
      defaults: { protected: 'memory', naive: 'memory' },
    },
    'redis-url': {
      describe: 'Redis for --store redis',
      type: 'string',
      defaults: { protected: 'redis://127.0.0.1:6379', naive: 'redis://127.0.0.1:6379' },
    },
    'redis-prefix': {
      describe: 'key prefix in Redis',
      type: 'string',
      defaults: { protected: 'floodgate:burst', naive: 'floodgate:burst' },
    },
  },
  async start({ mode, host, port, flags, faults }) {
    const costUs = flags['cost-us'] as number;
    const header = (flags['user-header'] as string).toLowerCase();
    const rate = flags.limit as number;
    const burstSize = flags.burst as number;
    if (rate < 1 || burstSize < 1) throw new Error('--limit and --burst must be at least 1');
    let limiter: Limiter | undefined;
    if (mode === 'protected') {
      limiter =
        flags.store === 'redis'
          ? await redisLimiter({ rate, burst: burstSize, url: flags['redis-url'] as string, prefix: flags['redis-prefix'] as string })
          : memoryLimiter({ rate, burst: burstSize });
    }
    const registry = new Registry();
    const outcomes = new Counter({
      name: 'burst_requests_total',
      help: 'Requests to /api/work by outcome: admitted, rejected (429), limiter_error (503), bad_request (400).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    let served = 0;
    async function work(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const user = req.headers[header];
      if (typeof user !== 'string' || user === '') {
        outcomes.inc({ outcome: 'bad_request' });
        return sendJson(res, 400, { error: `missing ${flags['user-header']} header: it names the user the limit applies to` });
      }
      if (limiter) {
        let d: Decision;
        try {
          d = await limiter.take(faults.has('key-by-address') ? (req.socket.remoteAddress ?? 'unknown') : user);
        } catch (err) {
          // Fail closed: without its store the limiter cannot protect the origin.
          outcomes.inc({ outcome: 'limiter_error' });
          res.setHeader('Retry-After', '1');
          return sendJson(res, 503, { error: 'rate limiter store unavailable', detail: (err as Error).message });
        }
        for (const [k, v] of Object.entries(rateLimitHeaders(d, rate, burstSize))) res.setHeader(k, v);
        if (!d.allowed) {
          outcomes.inc({ outcome: 'rejected' });
          if (!faults.has('no-retry-after')) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))));
          return sendJson(res, 429, {
            error: 'rate limit exceeded',
            user,
            limit: `${rate} req/s, burst ${burstSize}`,
            retryAfterMs: d.retryAfterMs,
          });
        }
      }
      burnCpu(costUs); // the origin's work, so its latency under load means something
      outcomes.inc({ outcome: 'admitted' });
      if (faults.has('slow-origin')) await sleep(SLOW_ORIGIN_MS);
      if (faults.has('errors') && ++served % 10 === 0) return sendJson(res, 500, { error: 'fault: errors' });
      sendJson(res, 200, { user, ok: true });
    }

    const server = await serveHttp({ name: 'burst', registry, host, port, handler: routes({ '* /api/work': work }) });
    return closingAlso(server, async () => limiter?.close());
  },
};
