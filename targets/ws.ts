// The WebSocket echo target of the 100,000-connections study and the WebSocket performance guide, as a node:cluster of workers: one process may
// hold at most 20,000 open files here (a hard limit), so 100k connections need several. The
// primary only hands out accepted sockets (round robin), serves nothing itself, aggregates the
// workers' Prometheus metrics for /metrics, and on close tells every worker to send 1001.
// By default the workers accept from the shared socket themselves (--balance kernel): measured
// here, the primary handing out every connection (round-robin) fell behind at about 48,000
// connections ramping at 500/s, the kernel spread at about 74,000 (bench/ws-hold.ts).
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { AggregatorRegistry } from 'prom-client';
import type { RunningTarget, TargetModule } from './target.ts';
import { WS_WORKER_ENV, type WsMessage, type WsWorkerConfig } from './ws-protocol.ts';

// The 100,000-connections study's 100k connections at about 12,500 per worker leave each one well under its 20,000
// files, with room for the heartbeat's and the runtime's own.
const DEFAULT_WORKERS = 8;

export const ws: TargetModule = {
  name: 'ws',
  modes: ['healthy', 'degraded'],
  describe: {
    healthy: 'echoes every message at once, pings every heartbeat, holds nothing extra per connection',
    degraded: 'drops 5% of connections mid-hold without a close frame, echoes 25 ms late and holds 256 KB per connection',
  },
  faults: {
    'corrupt-echoes': 'every hundredth echo comes back with its last byte changed (a proxy or a buffer bug mangling frames)',
  },
  flags: {
    workers: {
      describe: 'worker processes, each holding its share of the connections (1 to 64)',
      type: 'number',
      defaults: { healthy: DEFAULT_WORKERS, degraded: DEFAULT_WORKERS },
    },
    'heartbeat-ms': {
      describe: 'ping every client this often and cut one that did not answer the last ping (0: no heartbeat)',
      type: 'number',
      defaults: { healthy: 30_000, degraded: 30_000 },
    },
    'drop-permille': {
      describe: 'connections in 1000 cut (no close frame) after --drop-after-ms',
      type: 'number',
      defaults: { healthy: 0, degraded: 50 },
    },
    'drop-after-ms': {
      describe: 'how long a connection picked for dropping lives',
      type: 'number',
      defaults: { healthy: 3_000, degraded: 3_000 },
    },
    'echo-delay-ms': { describe: 'added delay before each echo', type: 'number', defaults: { healthy: 0, degraded: 25 } },
    balance: {
      describe:
        'who spreads new connections over the workers: kernel (workers accept from the shared socket themselves) or round-robin (the primary accepts and hands each over; even, but one process accepts for all and falls behind first)',
      type: 'string',
      choices: ['kernel', 'round-robin'],
      defaults: { healthy: 'kernel', degraded: 'kernel' },
    },
    'kb-per-connection': {
      describe: 'memory held per open connection, in KB (a session object, a buffer)',
      type: 'number',
      defaults: { healthy: 0, degraded: 256 },
    },
  },
  async start({ mode, host, port, flags, faults }) {
    const workers = flags.workers as number;
    if (workers < 1 || workers > 64) throw new Error(`--workers ${workers}: expected 1 to 64`);
    // Before the first fork: the policy is fixed when the primary's listening handle is made.
    cluster.schedulingPolicy = flags.balance === 'round-robin' ? cluster.SCHED_RR : cluster.SCHED_NONE;
    return startCluster({ mode, host, port, workers, flags, faults });
  },
};

/** Resolves with the worker's address once it listens; rejects with its listen error (its code kept, for the CLI's hints). */
function listening(worker: Worker): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    worker.on('message', (m: WsMessage) => {
      if (m.type === 'listen-error') failure = Object.assign(new Error(m.message), { code: m.code });
    });
    worker.once('listening', (address: { port: number }) => resolve(address));
    worker.once('exit', (code) => reject(failure ?? new Error(`a worker exited with ${code} before it listened`)));
  });
}

async function startCluster(o: {
  mode: string;
  host: string;
  port: number;
  workers: number;
  flags: Record<string, unknown>;
  faults: ReadonlySet<string>;
}): Promise<RunningTarget> {
  const aggregator = new AggregatorRegistry();
  // The workers run the same bundle; targets/cli.ts sees cluster.isWorker and runs ws-worker.ts.
  cluster.setupPrimary({ args: [], silent: false });
  let closing = false;

  function fork(index: number): Worker {
    const config: WsWorkerConfig = {
      index,
      host: o.host,
      // Every worker asks for the same host and port, o.port included when it is 0: the primary
      // keys its shared listening handle on them, so all get the one port the first bind chose.
      port: o.port,
      heartbeatMs: o.flags['heartbeat-ms'] as number,
      dropPermille: o.flags['drop-permille'] as number,
      dropAfterMs: o.flags['drop-after-ms'] as number,
      echoDelayMs: o.flags['echo-delay-ms'] as number,
      kbPerConnection: o.flags['kb-per-connection'] as number,
      corruptEchoes: o.faults.has('corrupt-echoes'),
    };
    const worker = cluster.fork({ [WS_WORKER_ENV]: JSON.stringify(config) });
    worker.on('message', (m: WsMessage) => {
      if (m.type !== 'metrics-request') return;
      aggregator.clusterMetrics().then(
        (text) => worker.send({ type: 'metrics-response', id: m.id, text } satisfies WsMessage),
        (err: unknown) => worker.send({ type: 'metrics-response', id: m.id, error: String(err) } satisfies WsMessage),
      );
    });
    let served = false;
    worker.once('listening', () => (served = true));
    worker.on('exit', (code, signal) => {
      // One that never listened failed at start (start() reports it); do not loop on it.
      if (closing || !served) return;
      // A lost worker takes its connections with it: say so, and put a fresh one in its place.
      process.stderr.write(
        `floodgate target ws: worker ${index} exited (${signal ?? `code ${code}`}); its connections are gone; starting another\n`,
      );
      fork(index);
    });
    return worker;
  }

  // The first worker binds (port 0 picks one); the others share its port through the primary.
  const first = fork(0);
  let address: { port: number };
  try {
    address = await listening(first);
    await Promise.all(Array.from({ length: o.workers - 1 }, (_, i) => listening(fork(i + 1))));
  } catch (err) {
    closing = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    throw err;
  }

  return {
    url: `http://${o.host}:${address.port}`,
    port: address.port,
    async close(deadlineMs: number) {
      closing = true;
      const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      await Promise.all(
        all.map(async (w) => {
          if (w.isDead()) return;
          const exited = once(w, 'exit');
          w.send({ type: 'shutdown', deadlineMs } satisfies WsMessage);
          // A worker that does not finish in time is killed, before the CLI's own grace (deadline
          // + 2 s) runs out and leaves it holding the port.
          const timer = setTimeout(() => w.process.kill('SIGKILL'), deadlineMs + 500);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
