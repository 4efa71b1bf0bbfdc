// The echo target of the single-container 1,000-client and 100,000-connections studies: POST /echo returns the body; GET /api/health and
// /api/data are the single-container 1,000-client study's endpoints. `degraded` mode is the red half of red/green tests.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { readBody, routes, sendJson, serveHttp } from './http-server.ts';
import { burnCpu, closingAlso } from './lifecycle.ts';
import type { TargetModule } from './target.ts';

const MAX_BODY_BYTES = 1_048_576; // matches the scenarios' PAYLOAD_BYTES ceiling
// --fault stalls: a quarter of the time stalled, long enough for a few SYNs to overflow a queue of 1.
const STALL_MS = 100;
const STALL_EVERY_MS = 400;

// The single-container 1,000-client study's /api/data: a small, fixed document, so its cost is serialisation, not storage.
const DATA = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `item-${i + 1}`, value: (i * 37) % 100 }));

export const echo: TargetModule = {
  name: 'echo',
  modes: ['healthy', 'degraded'],
  describe: {
    healthy: 'answers at once and keeps connections alive',
    degraded: 'adds 200 ms to every answer, closes every connection after one response and drops connections above 50',
  },
  faults: {
    stalls:
      'the process stalls 100 ms in every 400 (a GC pause, a synchronous call) behind an accept backlog of 1: new connections wait for the kernel to retry their SYN (connect time)',
  },
  flags: {
    'delay-ms': { describe: 'added latency per request, in ms', type: 'number', defaults: { healthy: 0, degraded: 200 } },
    'keep-alive': { describe: 'keep connections open between requests', type: 'boolean', defaults: { healthy: true, degraded: false } },
    'max-connections': {
      describe: 'drop new connections above this many open (0: no cap)',
      type: 'number',
      defaults: { healthy: 0, degraded: 50 },
    },
  },
  async start({ host, port, flags, faults }) {
    const delayMs = flags['delay-ms'] as number;
    const table = routes({
      'POST /echo': async (req, res) => {
        const body = await readBody(req, MAX_BODY_BYTES);
        if (body === undefined) {
          res.setHeader('Connection', 'close');
          return sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
        }
        res.writeHead(200, { 'Content-Type': req.headers['content-type'] ?? 'application/octet-stream' });
        res.end(body);
      },
      'GET /api/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      'GET /api/data': (_req, res) => sendJson(res, 200, { items: DATA }),
    });
    const stalls = faults.has('stalls');
    const server = await serveHttp({
      name: 'echo',
      host,
      port,
      ...(stalls ? { backlog: 1 } : {}),
      keepAlive: flags['keep-alive'] as boolean,
      maxConnections: flags['max-connections'] as number,
      handler: async (req: IncomingMessage, res: ServerResponse) => {
        if (delayMs > 0) await sleep(delayMs);
        return table(req, res);
      },
    });
    if (!stalls) return server;
    // While the process is stalled nobody accepts: past a queue of 1, the kernel drops new SYNs
    // and each client waits its first retransmission (1 s on Linux) before it is connected.
    const stalling = setInterval(() => burnCpu(STALL_MS * 1000), STALL_EVERY_MS);
    return closingAlso(server, async () => clearInterval(stalling));
  },
};
