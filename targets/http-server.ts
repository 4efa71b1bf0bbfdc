// What every reference target's HTTP server shares: Prometheus /metrics and /healthz, request
// and connection accounting, an optional connection cap, and graceful shutdown.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Inflight, drain, listen } from './lifecycle.ts';

/** A route handler answers the request and returns its route pattern, the label of its metrics. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => string | Promise<string>;

export interface ServeOptions {
  name: string;
  host: string;
  port: number;
  handler: Handler;
  /** Keep connections open between requests (default true). */
  keepAlive?: boolean;
  /** Above this many open connections new ones are dropped at once (0, the default: no cap). */
  maxConnections?: number;
  /** Where the target's own metrics are registered, to be served with the common ones. */
  registry?: Registry;
  /** The kernel's accept queue for this socket (default: Node's 511). */
  backlog?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  registry: Registry;
  /** Stops accepting, lets in-flight requests finish up to `deadlineMs`, then cuts the rest. */
  close(deadlineMs: number): Promise<void>;
}

export async function serveHttp(o: ServeOptions): Promise<RunningServer> {
  const registry = o.registry ?? new Registry();
  registry.setDefaultLabels({ target: o.name });
  // process_resident_memory_bytes, nodejs_eventloop_lag_seconds, open fds, heap...
  collectDefaultMetrics({ register: registry });
  // Labelled as client_golang's promhttp labels them (code, method, handler; the method in lower
  // case), the convention most users' services have: the default probe mappings then fit them.
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by route pattern, status code and method (not /metrics).',
    labelNames: ['handler', 'code', 'method'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response, by route pattern and method.',
    labelNames: ['handler', 'method'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const inflight = new Gauge({ name: 'http_inflight_requests', help: 'Requests received and not yet answered.', registers: [registry] });
  const openConnections = new Gauge({ name: 'http_open_connections', help: 'TCP connections open now.', registers: [registry] });
  const dropped = new Counter({
    name: 'http_dropped_connections_total',
    help: 'Connections dropped at accept because of the connection cap.',
    registers: [registry],
  });

  let draining = false;
  const tracker = new Inflight();

  const server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
      return;
    }
    const end = tracker.begin();
    inflight.inc();
    const stop = duration.startTimer();
    if (o.keepAlive === false || draining) res.setHeader('Connection', 'close');
    let route = 'unknown';
    try {
      route = req.url === '/healthz' ? healthz(res, draining) : await o.handler(req, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error', detail: String(err) }));
    } finally {
      const done = () => {
        const method = (req.method ?? 'get').toLowerCase();
        requests.inc({ handler: route, code: String(res.statusCode), method });
        stop({ handler: route, method });
        inflight.dec();
        end();
      };
      if (res.writableFinished) done();
      else res.once('close', done);
    }
  });
  if ((o.maxConnections ?? 0) > 0) server.maxConnections = o.maxConnections!;
  server.on('drop', () => dropped.inc());
  server.on('connection', (socket) => {
    openConnections.inc();
    socket.once('close', () => openConnections.dec());
  });
  // Node's defaults close keep-alive connections after 5 s idle, shorter than a load tool's pause.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const port = await listen(server, o.port, o.host, o.backlog);

  return {
    url: `http://${o.host}:${port}`,
    port,
    registry,
    async close(deadlineMs) {
      draining = true;
      await drain(server, tracker, deadlineMs);
    },
  };
}

function healthz(res: ServerResponse, draining: boolean): string {
  // 503 while draining so a balancer stops sending new work here.
  res.writeHead(draining ? 503 : 200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ status: draining ? 'draining' : 'ok' }));
  return '/healthz';
}

/**
 * A handler from a route table: keys are `METHOD /path` (`* /path` for any method), values answer
 * the request. The route pattern labels the metrics; anything else is a 404 listing the routes.
 */
export function routes(table: Record<string, (req: IncomingMessage, res: ServerResponse) => unknown>): Handler {
  const listed = [...Object.keys(table).map((k) => k.replace(/^\* /, 'GET|POST ')), 'GET /healthz', 'GET /metrics'];
  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const handler = table[`${req.method} ${path}`] ?? table[`* ${path}`];
    if (!handler) {
      sendJson(res, 404, { error: `no route ${req.method} ${path}`, routes: listed });
      return 'not_found';
    }
    await handler(req, res);
    return path;
  };
}

/** Reads a request body up to `limit` bytes; undefined if it is larger. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
