// The slow-upstream target of the Go-API resilience study (P0): GET /api/slow calls a 2-3 s upstream once per
// request, GET /api/fast does not. `naive` lets calls pile up without bound; `protected` caps
// them per user (429) and globally (503), times the upstream out and breaks the circuit.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleAll,
  noop,
  timeout,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { Counter, Gauge, Registry } from 'prom-client';
import { routes, sendJson, serveHttp } from './http-server.ts';
import { burnCpu, closingAlso } from './lifecycle.ts';
import type { TargetModule } from './target.ts';
import { OUTAGE_MODES, startUpstream, type OutageMode } from './upstream.ts';

const PENDING_TICK_MS = 100;
const BREAKER_STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

// --fault slow-rejections: five times the gate on rejection time. --fault leak: 1,000 calls leave 500 MB.
const SLOW_REJECTION_MS = 500;
const LEAK_BYTES = 512 * 1024;

// The Go-API resilience study's countermeasures; 0 turns one off, which is what naive mode is.
const PROTECTED_AND_NAIVE = (protectedValue: number) => ({ protected: protectedValue, naive: 0 });

export const slowUpstream: TargetModule = {
  name: 'slow-upstream',
  modes: ['protected', 'naive'],
  describe: {
    protected:
      'per-user limit of 50 concurrent slow calls (429), 100 in all (503 + Retry-After), 30 s upstream timeout (504), circuit breaker (503)',
    naive: 'no limits, no timeout, no breaker: slow calls pile up',
  },
  faults: {
    'canary-errors': 'one GET /api/fast in five answers 500: the cheap endpoint fails beside the pileup',
    'slow-rejections': 'a refusal (429 or 503) comes back after 500 ms: a limiter that queues before it says no',
    'breaker-stuck-open': 'once open, the circuit never tries the upstream again: the service stays down after the upstream recovers',
    leak: 'every slow call leaves 512 KB behind that is never freed (a cache without eviction)',
  },
  flags: {
    'upstream-min-ms': { describe: 'fastest upstream answer', type: 'number', defaults: { protected: 2000, naive: 2000 } },
    'upstream-max-ms': {
      describe: 'slowest upstream answer (uniform in between)',
      type: 'number',
      defaults: { protected: 3000, naive: 3000 },
    },
    'user-limit': { describe: 'concurrent slow calls per user (0: no limit)', type: 'number', defaults: PROTECTED_AND_NAIVE(50) },
    'global-limit': { describe: 'concurrent slow calls in all (0: no limit)', type: 'number', defaults: PROTECTED_AND_NAIVE(100) },
    'timeout-ms': { describe: 'upstream call timeout (0: none)', type: 'number', defaults: PROTECTED_AND_NAIVE(30_000) },
    'breaker-failures': {
      describe: 'consecutive upstream failures that open the circuit (0: no breaker)',
      type: 'number',
      defaults: PROTECTED_AND_NAIVE(5),
    },
    'breaker-half-open-ms': {
      describe: 'how long the circuit stays open before a trial call',
      type: 'number',
      defaults: { protected: 5000, naive: 5000 },
    },
    'pending-cost-us': {
      describe: `CPU each pending upstream call costs its process every ${PENDING_TICK_MS} ms (timers, buffers, GC)`,
      type: 'number',
      defaults: { protected: 800, naive: 800 },
    },
    'pending-kb': { describe: 'memory each pending upstream call holds', type: 'number', defaults: { protected: 128, naive: 128 } },
    'user-header': { describe: 'request header naming the user', type: 'string', defaults: { protected: 'X-User-Id', naive: 'X-User-Id' } },
  },
  async start({ host, port, flags, faults }) {
    const f = flags as Record<string, number> & { 'user-header': string };
    const upstream = await startUpstream({ minMs: f['upstream-min-ms'], maxMs: Math.max(f['upstream-min-ms'], f['upstream-max-ms']) });
    const registry = new Registry();
    const upstreamInflight = new Gauge({
      name: 'upstream_inflight_calls',
      help: 'Calls to the upstream not yet answered.',
      registers: [registry],
    });
    const rejections = new Counter({
      name: 'rejections_total',
      help: 'Slow calls refused or failed, by reason: user_limit (429), global_limit (503), breaker_open (503), timeout (504), upstream_error (502).',
      labelNames: ['reason'],
      registers: [registry],
    });
    const breakerGauge = new Gauge({
      name: 'circuit_breaker_state',
      help: 'Upstream circuit: 0 closed, 1 half-open, 2 open.',
      registers: [registry],
    });

    const policies: IPolicy[] = [];
    if (f['global-limit'] > 0) policies.push(bulkhead(f['global-limit'], 0));
    if (f['breaker-failures'] > 0) {
      const breaker = circuitBreaker(handleAll, {
        // 2^31 - 1 ms is the longest a Node timer waits: about 24 days, never within a test.
        halfOpenAfter: faults.has('breaker-stuck-open') ? 2 ** 31 - 1 : f['breaker-half-open-ms'],
        breaker: new ConsecutiveBreaker(f['breaker-failures']),
      });
      breaker.onStateChange((s) => breakerGauge.set(BREAKER_STATE_VALUE[s]));
      policies.push(breaker);
    }
    if (f['timeout-ms'] > 0) policies.push(timeout(f['timeout-ms'], TimeoutStrategy.Aggressive));
    const policy: IPolicy = policies.length === 0 ? noop : wrap(...policies);
    const perUser = new Map<string, number>();
    const leaked: Buffer[] = []; // --fault leak
    let fastCalls = 0;
    const header = f['user-header'].toLowerCase();
    const retryAfterOpen = String(Math.max(1, Math.ceil(f['breaker-half-open-ms'] / 1000)));

    async function callUpstream(signal: AbortSignal): Promise<unknown> {
      upstreamInflight.inc();
      const held = Buffer.alloc(f['pending-kb'] * 1024, 1); // touched, so it is resident
      if (faults.has('leak')) leaked.push(Buffer.alloc(LEAK_BYTES, 1));
      const tick = f['pending-cost-us'] > 0 ? setInterval(() => burnCpu(f['pending-cost-us']), PENDING_TICK_MS) : undefined;
      try {
        const res = await fetch(`${upstream.url}/call`, { signal });
        const body = await res.text();
        if (!res.ok) throw new Error(`upstream answered ${res.status}`);
        return { upstream: JSON.parse(body), held: held.length };
      } finally {
        clearInterval(tick);
        upstreamInflight.dec();
      }
    }

    /** 429/503: at once, or (--fault slow-rejections) after a wait that protects nobody. */
    async function refuse(res: ServerResponse, status: number, body: object, retryAfter?: string): Promise<void> {
      if (faults.has('slow-rejections')) await sleep(SLOW_REJECTION_MS);
      if (retryAfter !== undefined) res.setHeader('Retry-After', retryAfter);
      sendJson(res, status, body);
    }

    async function slow(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const user = req.headers[header];
      if (typeof user !== 'string' || user === '')
        return sendJson(res, 400, { error: `missing ${f['user-header']} header: it names the user the limit applies to` });
      const mine = perUser.get(user) ?? 0;
      if (f['user-limit'] > 0 && mine >= f['user-limit']) {
        rejections.inc({ reason: 'user_limit' });
        return refuse(res, 429, { error: `user ${user} has ${mine} slow calls running (limit ${f['user-limit']})` });
      }
      perUser.set(user, mine + 1);
      try {
        const result = await policy.execute(({ signal }) => callUpstream(signal));
        sendJson(res, 200, result);
      } catch (err) {
        if (err instanceof BulkheadRejectedError) {
          rejections.inc({ reason: 'global_limit' });
          await refuse(res, 503, { error: `${f['global-limit']} slow calls running: try again shortly` }, '1');
        } else if (err instanceof BrokenCircuitError) {
          rejections.inc({ reason: 'breaker_open' });
          await refuse(res, 503, { error: 'upstream circuit open: failing fast until it recovers' }, retryAfterOpen);
        } else if (err instanceof TaskCancelledError) {
          rejections.inc({ reason: 'timeout' });
          sendJson(res, 504, { error: `upstream did not answer within ${f['timeout-ms']} ms` });
        } else {
          rejections.inc({ reason: 'upstream_error' });
          sendJson(res, 502, { error: 'upstream failed', detail: (err as Error).message });
        }
      } finally {
        const left = (perUser.get(user) ?? 1) - 1;
        if (left === 0) perUser.delete(user);
        else perUser.set(user, left);
      }
    }

    function outage(req: IncomingMessage, res: ServerResponse): void {
      const mode = new URL(req.url ?? '/', 'http://x').searchParams.get('mode');
      if (req.method === 'POST') {
        if (!(OUTAGE_MODES as readonly string[]).includes(mode ?? ''))
          return sendJson(res, 400, { error: `mode must be one of ${OUTAGE_MODES.join(', ')}` });
        upstream.outage = mode as OutageMode;
      }
      sendJson(res, 200, { outage: upstream.outage });
    }

    const server = await serveHttp({
      name: 'slow-upstream',
      registry,
      host,
      port,
      handler: routes({
        'GET /api/slow': slow,
        'GET /api/fast': (_req, res) =>
          faults.has('canary-errors') && ++fastCalls % 5 === 0
            ? sendJson(res, 500, { error: 'fault: canary-errors' })
            : sendJson(res, 200, { ok: true }),
        '* /admin/outage': outage,
      }),
    });
    return closingAlso(server, () => upstream.close());
  },
};
