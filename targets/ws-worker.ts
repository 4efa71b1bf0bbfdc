// One worker of the ws target: a WebSocket echo server (ws) on the port the cluster shares.
// Echoes every message, pings every client each heartbeat and cuts the ones that missed the
// last ping, answers /healthz, and asks the primary for /metrics (it holds the aggregate).
// On the primary's shutdown message, or if the primary goes away, it closes every client with
// 1001 ("going away"), waits for the closing handshakes up to the deadline, and exits.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WS_WORKER_ENV, type WsMessage, type WsWorkerConfig } from './ws-protocol.ts';

// The WebSocket performance guide's messages are under 1 KB; 64 KB leaves room without letting a client make the
// server buffer megabytes.
const MAX_MESSAGE_BYTES = 65_536;
const METRICS_TIMEOUT_MS = 5_000;
const ACCEPT_BACKLOG = 65_535;

/** The bytes of a message with its last one changed, as a mangling proxy would return it. */
function corrupt(data: RawData): Buffer {
  // ws hands a Buffer by default (binaryType 'nodebuffer'); fragments and ArrayBuffers copied whole.
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? Buffer.from(data) : Buffer.from(new Uint8Array(data));
  if (bytes.length > 0) bytes[bytes.length - 1] = bytes[bytes.length - 1] === 0x2a ? 0x2b : 0x2a;
  return bytes;
}

export function runWsWorker(): void {
  const c = JSON.parse(process.env[WS_WORKER_ENV] ?? '{}') as WsWorkerConfig;
  let echoed = 0; // --fault corrupt-echoes counts this worker's echoes
  const registry = new Registry();
  registry.setDefaultLabels({ target: 'ws' });
  collectDefaultMetrics({ register: registry });
  // The primary's AggregatorRegistry asks every worker's registries over IPC.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  // By worker, so an uneven spread shows (each worker may hold at most the per-process file limit).
  const openGauge = new Gauge({
    name: 'ws_open_connections',
    help: 'WebSocket connections open now, by worker (sum them for the total).',
    labelNames: ['worker'],
    registers: [registry],
  });
  const open = openGauge.labels({ worker: String(c.index) });
  open.set(0);
  const opened = new Counter({ name: 'ws_connections_total', help: 'WebSocket connections accepted.', registers: [registry] });
  const closed = new Counter({
    name: 'ws_closed_connections_total',
    help: 'Connections ended, by who ended them: client (a close frame), heartbeat (missed a ping), dropped (degraded mode), shutdown, error (a protocol error, such as a malformed frame).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const messagesIn = new Counter({ name: 'ws_messages_received_total', help: 'Messages received from clients.', registers: [registry] });
  const messagesOut = new Counter({ name: 'ws_messages_sent_total', help: 'Messages sent to clients (echoes).', registers: [registry] });
  new Gauge({
    name: 'ws_worker_rss_bytes',
    help: 'Resident memory of each worker.',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.set({ worker: String(c.index) }, process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'ws_rss_bytes',
    help: 'Resident memory of all workers together.',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });

  const held = new WeakMap<WebSocket, Buffer>();
  const alive = new WeakMap<WebSocket, boolean>();
  const endedBy = new WeakMap<WebSocket, string>();
  let shuttingDown = false;

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: true });
  wss.on('connection', (socket) => {
    opened.inc();
    open.inc();
    alive.set(socket, true);
    // Touched, not just reserved, so that it shows in RSS as a real session's memory would.
    if (c.kbPerConnection > 0) held.set(socket, Buffer.allocUnsafe(c.kbPerConnection * 1024).fill(1));
    if (c.dropPermille > 0 && Math.random() * 1000 < c.dropPermille) {
      setTimeout(() => {
        endedBy.set(socket, 'dropped');
        socket.terminate();
      }, c.dropAfterMs).unref();
    }
    socket.on('pong', () => alive.set(socket, true));
    socket.on('message', (data, isBinary) => {
      messagesIn.inc();
      const echo = () => {
        if (socket.readyState !== socket.OPEN) return;
        socket.send(c.corruptEchoes && ++echoed % 100 === 0 ? corrupt(data) : data, { binary: isBinary });
        messagesOut.inc();
      };
      if (c.echoDelayMs > 0) setTimeout(echo, c.echoDelayMs);
      else echo();
    });
    // A malformed frame, an oversized message, bad UTF-8: ws closes with 1002/1009/1007 and
    // reports it here; the connection ends, the worker goes on.
    socket.on('error', () => endedBy.set(socket, endedBy.get(socket) ?? 'error'));
    socket.on('close', () => {
      open.dec();
      closed.inc({ reason: endedBy.get(socket) ?? (shuttingDown ? 'shutdown' : 'client') });
    });
  });

  // --heartbeat-ms 0: no heartbeat (dead peers stay until the kernel notices).
  const heartbeat =
    c.heartbeatMs <= 0
      ? undefined
      : setInterval(() => {
          for (const socket of wss.clients) {
            if (!alive.get(socket)) {
              endedBy.set(socket, 'heartbeat');
              socket.terminate();
              continue;
            }
            alive.set(socket, false);
            socket.ping();
          }
        }, c.heartbeatMs);

  const pendingMetrics = new Map<number, (m: Extract<WsMessage, { type: 'metrics-response' }>) => void>();
  let nextId = 0;
  function metricsFromPrimary(): Promise<string> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pendingMetrics.delete(id);
        reject(new Error('the primary did not answer'));
      }, METRICS_TIMEOUT_MS);
      pendingMetrics.set(id, (m) => {
        clearTimeout(timer);
        pendingMetrics.delete(id);
        if (m.text !== undefined) resolve(m.text);
        else reject(new Error(m.error ?? 'no metrics'));
      });
      process.send!({ type: 'metrics-request', id } satisfies WsMessage);
    });
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/healthz') {
      res.writeHead(shuttingDown ? 503 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: shuttingDown ? 'shutting down' : 'ok', worker: c.index }));
      return;
    }
    if (req.url === '/metrics') {
      metricsFromPrimary().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(503, { 'Content-Type': 'text/plain' });
          res.end(`metrics unavailable: ${err.message}\n`);
        },
      );
      return;
    }
    res.writeHead(426, { 'Content-Type': 'application/json', Upgrade: 'websocket' });
    res.end(JSON.stringify({ error: 'this is a WebSocket endpoint: connect with ws://host:port/ (any path)' }));
  });
  server.on('upgrade', (req, socket, head) => {
    if (shuttingDown) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  // A client that resets mid-handshake must not take the worker down.
  server.on('clientError', (_err, socket) => socket.destroy());

  async function shutdown(deadlineMs: number): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    if (heartbeat) clearInterval(heartbeat);
    server.close();
    for (const socket of wss.clients) socket.close(1001, 'server shutting down');
    const deadline = Date.now() + deadlineMs;
    while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const socket of wss.clients) socket.terminate();
    process.exit(0);
  }

  process.on('message', (m: WsMessage) => {
    if (m.type === 'metrics-response') pendingMetrics.get(m.id)?.(m);
    if (m.type === 'shutdown') void shutdown(m.deadlineMs);
  });
  // The primary decides when to stop (Ctrl-C reaches the whole process group); if the primary
  // itself is gone, stop anyway.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.on('disconnect', () => void shutdown(2_000));

  // A deep accept queue (Node's default is 511; the kernel caps it at net.core.somaxconn): a ramp
  // arrives in bursts when the machine is busy, and a full queue drops handshakes.
  server.once('error', (err: NodeJS.ErrnoException) => {
    process.send!({ type: 'listen-error', code: err.code ?? 'ERROR', message: err.message } satisfies WsMessage, () => process.exit(1));
  });
  server.listen({ port: c.port, host: c.host, backlog: ACCEPT_BACKLOG });
}
