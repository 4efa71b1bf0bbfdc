// The origin behind the auth-flood edge, on its own private loopback port: it answers what the
// edge forwards and counts, by the issuer's ledger rather than the edge's word, how many of
// those requests carried a token that was not valid. The study's goal: zero.
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { listen } from './lifecycle.ts';

export interface Origin {
  /** Forwards a request's path and Authorization header; resolves to the origin's status and body. */
  forward(path: string, headers: IncomingHttpHeaders): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function startOrigin(o: { registry: Registry; isValid: (token: string) => boolean; latencyMs: number }): Promise<Origin> {
  const received = new Counter({
    name: 'origin_requests_total',
    help: 'Requests that reached the origin, by whether their token was valid (the issuer issued it and it has not expired).',
    labelNames: ['token'],
    registers: [o.registry],
  });
  received.inc({ token: 'valid' }, 0);
  received.inc({ token: 'invalid' }, 0);
  const server = createServer((req, res) => {
    req.resume();
    const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    received.inc({ token: o.isValid(token) ? 'valid' : 'invalid' });
    // The origin's work is waiting on its own store, not CPU: it costs the edge's process nothing.
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    }, o.latencyMs);
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, 0, '127.0.0.1');
  // Keep-alive, so a forward costs a hop, not a handshake.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  return {
    forward(path, headers) {
      return new Promise((resolve, reject) => {
        const out = request({ host: '127.0.0.1', port, path, headers: { authorization: headers.authorization ?? '' }, agent }, (up) => {
          let body = '';
          up.setEncoding('utf8');
          up.on('data', (d: string) => (body += d));
          up.on('end', () => resolve({ status: up.statusCode ?? 502, body }));
        });
        out.on('error', reject);
        out.end();
      });
    },
    async close() {
      agent.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
