// The lb-strategies target of the flood-defence study (load balancing): Debian's nginx as the real
// balancer in front of N replicas of a small service, three ways at once on one port:
// /round_robin/, /least_conn/ and /hash/ (by the user header, consistent). Every answer names
// its replica in a header, the only way a client can see where the balancer sent it.
// `slow-replica`: the first replica serves one request at a time and each takes --slow-ms (an
// overloaded instance: a queue in front of one worker); `even`: all replicas alike.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Registry } from 'prom-client';
import { startNginx } from '../harness/nginx.ts';
import { routes, sendJson, serveHttp, type RunningServer } from './http-server.ts';
import type { RunningTarget, TargetModule } from './target.ts';
import { LB_STRATEGIES, REPLICA_HEADER, replicaId, type LbStrategy } from '../lib/catalog/lb-strategies.ts';

export const WORK_PATH = '/api/work';

/** Requests to a replica one after another: one worker, so the excess queues. */
class OneWorker {
  private tail: Promise<void> = Promise.resolve();
  run(work: () => Promise<void>): Promise<void> {
    const next = this.tail.then(work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** The nginx upstream block of one strategy, over the replicas' ports. */
export function upstreamBlock(strategy: LbStrategy, ports: number[], o: { userHeader: string; hashKey?: string }): string {
  // nginx sees a header as $http_<lowercase, - as _>.
  const key = o.hashKey ?? `$http_${o.userHeader.toLowerCase().replace(/-/g, '_')}`;
  const method = { round_robin: '', least_conn: 'least_conn;', hash: `hash ${key} consistent;` }[strategy];
  // A zone shares the peers' counts (least_conn's active connections) between worker processes;
  // keepalive reuses connections to the replicas, so the balancer adds a hop, not a handshake.
  return `upstream ${strategy} {
    ${method}
    zone ${strategy} 64k;
    ${ports.map((p) => `server 127.0.0.1:${p};`).join('\n    ')}
    keepalive 64;
  }`;
}

/** The location that sends /<strategy>/... to its upstream, with the prefix stripped. */
export function strategyLocation(strategy: LbStrategy): string {
  return `location /${strategy}/ {
    proxy_pass http://${strategy}/;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
  }`;
}

export const lbStrategies: TargetModule = {
  name: 'lb-strategies',
  modes: ['slow-replica', 'even'],
  describe: {
    'slow-replica': 'replica-1 is overloaded: one request at a time, each taking --slow-ms; the others answer at once',
    even: 'every replica answers at once',
  },
  faults: {
    'fast-failing-replica':
      'replica-1 answers 503 at once: under least_conn a replica that fails fast has the fewest connections and draws the traffic',
    'wrong-hash-key': 'the hash upstream hashes a per-request id, not the user: users move between replicas',
  },
  flags: {
    replicas: { describe: 'replicas behind the balancer', type: 'number', defaults: { 'slow-replica': 3, even: 3 } },
    'slow-ms': {
      describe: "the slow replica's time per request (one at a time)",
      type: 'number',
      defaults: { 'slow-replica': 20, even: 20 },
    },
    'user-header': {
      describe: 'request header the hash strategy keys on',
      type: 'string',
      defaults: { 'slow-replica': 'X-User-Id', even: 'X-User-Id' },
    },
  },
  async start({ mode, host, port, flags, faults }) {
    const count = flags.replicas as number;
    if (!Number.isInteger(count) || count < 2 || count > 16) throw new Error(`--replicas ${count}: expected an integer from 2 to 16`);
    const slowMs = flags['slow-ms'] as number;
    const userHeader = flags['user-header'] as string;
    if (!/^[A-Za-z0-9-]+$/.test(userHeader)) throw new Error(`--user-header ${userHeader}: expected an HTTP header name like X-User-Id`);
    const replicas: RunningServer[] = [];
    const closeAll = async (deadlineMs: number) => {
      await Promise.all(replicas.map((r) => r.close(deadlineMs)));
    };
    try {
      for (let i = 0; i < count; i++) {
        const failing = i === 0 && faults.has('fast-failing-replica');
        const slow = i === 0 && mode === 'slow-replica' && !failing;
        // The replicas only ever answer the balancer: loopback, whatever --host says.
        replicas.push(await startReplica(replicaId(i), '127.0.0.1', { slowMs: slow ? slowMs : 0, failing }));
      }
      const ports = replicas.map((r) => r.port);
      const nginx = await startNginx({
        host,
        port,
        http: LB_STRATEGIES.map((s) =>
          upstreamBlock(s, ports, { userHeader, ...(s === 'hash' && faults.has('wrong-hash-key') ? { hashKey: '$request_id' } : {}) }),
        ).join('\n  '),
        server: LB_STRATEGIES.map(strategyLocation).join('\n    '),
      });
      const target: RunningTarget = {
        url: nginx.url,
        port: nginx.port,
        async close(deadlineMs) {
          await nginx.stop();
          await closeAll(deadlineMs);
        },
      };
      return target;
    } catch (err) {
      await closeAll(0);
      throw err;
    }
  },
};

/** One replica: GET /api/work answers which replica it is; slow ones queue behind one worker. */
async function startReplica(id: string, host: string, o: { slowMs: number; failing: boolean }): Promise<RunningServer> {
  const registry = new Registry();
  const skipped = new Counter({
    name: 'replica_abandoned_total',
    help: 'Queued requests whose client left before their turn: not worked on.',
    registers: [registry],
  });
  const worker = new OneWorker();
  const work = async (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader(REPLICA_HEADER, id);
    if (o.failing) return sendJson(res, 503, { replica: id, error: 'replica unavailable' });
    if (o.slowMs > 0) {
      await worker.run(async () => {
        // The balancer gave up on it (its client timed out): a real worker would not know, but
        // working on it would only make the queue a time-out longer.
        if (req.socket.destroyed) return void skipped.inc();
        await sleep(o.slowMs);
      });
    }
    if (!res.writableEnded && !req.socket.destroyed) sendJson(res, 200, { replica: id });
  };
  return serveHttp({ name: id, host, port: 0, registry, handler: routes({ [`GET ${WORK_PATH}`]: work }) });
}
