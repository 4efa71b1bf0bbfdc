// A round-robin HTTP balancer in front of several instances of a target: what the Go-API resilience study's
// failover looks like when a load balancer spreads one user's requests over two replicas.
import { Agent, createServer, request } from 'node:http';
import { Inflight, drain, listen } from './lifecycle.ts';
import type { RunningTarget } from './target.ts';

export async function startBalancer(o: { host: string; port: number; upstreams: string[] }): Promise<RunningTarget> {
  // Keep-alive to the instances, so the balancer adds a hop, not a TCP handshake per request.
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  let next = 0;
  const inflight = new Inflight();
  const server = createServer((req, res) => {
    res.once('close', inflight.begin());
    const upstream = new URL(o.upstreams[next++ % o.upstreams.length]!);
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', (err) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'upstream unavailable', upstream: upstream.href, detail: err.message }));
    });
    req.pipe(out);
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, o.port, o.host);
  return {
    url: `http://${o.host}:${port}`,
    port,
    async close(deadlineMs) {
      await drain(server, inflight, deadlineMs);
      agent.destroy();
    },
  };
}
