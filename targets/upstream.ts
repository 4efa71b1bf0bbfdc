// The slow upstream of the Go-API resilience study (P0) (a Notion- or JIRA-like API answering in 2-3 s), as its own
// HTTP server on a private loopback port, with an outage switch: answer errors, or hang.
import { createServer, type ServerResponse } from 'node:http';
import { listen } from './lifecycle.ts';

export const OUTAGE_MODES = ['none', 'errors', 'hang'] as const;
export type OutageMode = (typeof OUTAGE_MODES)[number];

export interface Upstream {
  url: string;
  outage: OutageMode;
  close(): Promise<void>;
}

export async function startUpstream(o: { minMs: number; maxMs: number }): Promise<Upstream> {
  const hung = new Set<ServerResponse>();
  const state = { outage: 'none' as OutageMode };
  const server = createServer((req, res) => {
    req.resume();
    if (state.outage === 'errors') {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end('{"error":"upstream outage"}');
      return;
    }
    if (state.outage === 'hang') {
      hung.add(res); // never answered: the caller's timeout is all that ends it
      res.once('close', () => hung.delete(res));
      return;
    }
    const latency = o.minMs + Math.random() * (o.maxMs - o.minMs);
    const timer = setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ok: true, latencyMs: Math.round(latency) }));
    }, latency);
    res.once('close', () => clearTimeout(timer));
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    get outage() {
      return state.outage;
    },
    set outage(mode: OutageMode) {
      state.outage = mode;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
