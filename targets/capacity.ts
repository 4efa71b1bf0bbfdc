// The capacity target of the single-container 1,000-client study: a service with a real ceiling.
// GET /api/data costs --cost-us of CPU (one core: 1,000,000 / cost-us requests a second) and
// holds --kb while it waits or runs; GET /api/health costs nothing. The work runs on one worker
// thread, one request at a time in arrival order (a fixed pool of one in front of a queue, as a
// thread-pool service has), so the main thread takes in every request and answers health.
// `naive` queues every request without bound and works off requests whose client already gave
// up: after an overload the queue outlives the clients. `protected` admits a request only while
// the queue holds less than --queue-budget-ms of work (else 503 + Retry-After at once) and drops
// queued work whose client is gone, so it sheds load and is healthy again within seconds.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Worker } from 'node:worker_threads';
import { BulkheadRejectedError, TaskCancelledError, bulkhead } from 'cockatiel';
import { Counter, Gauge, Registry } from 'prom-client';
import { routes, sendJson, serveHttp } from './http-server.ts';
import { closingAlso } from './lifecycle.ts';
import type { TargetModule } from './target.ts';

// The single-container study's /api/data: a small, fixed document.
const DATA = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `item-${i + 1}`, value: (i * 37) % 100 }));

// The worker: burns the CPU each request costs and says when it is done. Inline, so the
// targets bundle stays one file.
const WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (micros) => {
  const end = performance.now() + micros / 1000;
  while (performance.now() < end) {}
  parentPort.postMessage(micros);
});`;

/** One request's work on the worker thread: resolves when the worker has done it. */
function workerPool() {
  const thread = new Worker(WORKER, { eval: true });
  const waiting: (() => void)[] = [];
  thread.on('message', () => waiting.shift()?.());
  return {
    run: (micros: number) =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        thread.postMessage(micros);
      }),
    close: async () => void (await thread.terminate()),
  };
}

export const capacity: TargetModule = {
  name: 'capacity',
  modes: ['protected', 'naive'],
  describe: {
    protected:
      'admission control: a request is queued only while the queue holds under --queue-budget-ms of work, else 503 + Retry-After at once; work whose client left is dropped',
    naive: 'queues every request without bound and works off requests whose client already gave up',
  },
  flags: {
    'cost-us': {
      describe: 'CPU each /api/data request costs, in microseconds',
      type: 'number',
      defaults: { protected: 1250, naive: 1250 },
    },
    kb: { describe: 'memory each /api/data request holds while it waits or runs', type: 'number', defaults: { protected: 16, naive: 16 } },
    'queue-budget-ms': {
      describe: 'protected: refuse when the queue already holds this much work (0: no admission control)',
      type: 'number',
      defaults: { protected: 100, naive: 0 },
    },
  },
  async start({ host, port, flags }) {
    const costUs = flags['cost-us'] as number;
    const kb = flags.kb as number;
    const budgetMs = flags['queue-budget-ms'] as number;
    // The worker runs one at a time (a core's worth). Two are handed to it at once, so the next
    // is waiting in its port when one ends: with one, the worker idled while the main thread,
    // busy taking in requests, got round to handing over the next, and the service fell well
    // short of a core's worth (p99 past 100 ms at 60 % of it). The queue bounded by the budget,
    // or not at all.
    const queueSlots = budgetMs > 0 ? Math.max(1, Math.floor((budgetMs * 1000) / Math.max(1, costUs))) : Number.MAX_SAFE_INTEGER;
    const worker = bulkhead(2, queueSlots);
    const cpu = workerPool();
    const registry = new Registry();
    const queued = new Gauge({ name: 'work_queue_length', help: 'Requests for /api/data waiting or running.', registers: [registry] });
    const shed = new Counter({
      name: 'shed_requests_total',
      help: 'Requests for /api/data refused (queue over budget) or dropped (client gone before its turn).',
      labelNames: ['reason'],
      registers: [registry],
    });
    const retryAfter = String(Math.max(1, Math.ceil(budgetMs / 1000)));

    async function data(_req: IncomingMessage, res: ServerResponse): Promise<void> {
      const held = Buffer.alloc(kb * 1024, 1); // touched, so it is resident while the request waits
      // Protected only: a client that hung up has its queued work dropped, not done for nobody.
      const gone = new AbortController();
      if (budgetMs > 0) res.once('close', () => res.writableEnded || gone.abort());
      queued.inc();
      try {
        await worker.execute(() => cpu.run(costUs), gone.signal);
        sendJson(res, 200, { items: DATA, held: held.length });
      } catch (err) {
        if (err instanceof BulkheadRejectedError) {
          shed.inc({ reason: 'over_budget' });
          res.setHeader('Retry-After', retryAfter);
          sendJson(res, 503, { error: `overloaded: more than ${budgetMs} ms of work queued` });
        } else if (err instanceof TaskCancelledError) {
          shed.inc({ reason: 'client_gone' });
        } else throw err;
      } finally {
        queued.dec();
      }
    }

    const server = await serveHttp({
      name: 'capacity',
      registry,
      host,
      port,
      handler: routes({
        'GET /api/data': data,
        'GET /api/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      }),
    });
    return closingAlso(server, cpu.close);
  },
};
