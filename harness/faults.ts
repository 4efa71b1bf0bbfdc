// The fault proxy behind `npm run faults`: Shopify's toxiproxy (pinned, built into the cache),
// listening on loopback only, with your service's dependencies behind it, and in front of its
// API a small controller that holds each run's faults on a lease. A scenario (FAULTS_URL) adds
// and removes toxics at its timeline's moments and renews its lease every second; a run that goes
// silent (k6 killed mid-outage) has its toxics removed when the lease runs out, so no dependency
// stays cut off behind it. Toxiproxy's own API has no such thing: it keeps a toxic until told.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isAllowed, isLoopback } from '../lib/safety.ts';
import { UsageError } from '../lib/fail.ts';
import { ensureGoTool, GO_TOOLS } from './go-tool.mjs';
import { freePort, stopChild } from './services.ts';

export interface ProxySpec {
  name: string;
  /** host:port it listens on: loopback only. */
  listen: string;
  /** host:port of the dependency behind it. */
  upstream: string;
}

const NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const HOST_PORT = /^([A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * `name=listen:upstream`, e.g. `db=127.0.0.1:15432:127.0.0.1:5432`, or with the listen host left
 * out, `db=15432:127.0.0.1:5432` (127.0.0.1).
 */
export function parseProxySpec(text: string, allowedHosts: readonly string[] = []): ProxySpec {
  const eq = text.indexOf('=');
  const name = text.slice(0, eq);
  const parts = text.slice(eq + 1).split(':');
  const wanted = `expected name=listen:upstream, e.g. db=127.0.0.1:15432:127.0.0.1:5432`;
  if (eq <= 0 || !NAME.test(name)) throw new UsageError(`${text}: a proxy's name is lower case letters, digits, - and _; ${wanted}`);
  if (parts.length !== 3 && parts.length !== 4) throw new UsageError(`${text}: ${wanted}`);
  const listen = parts.length === 3 ? `127.0.0.1:${parts[0]}` : `${parts[0]}:${parts[1]}`;
  const upstream = parts.slice(-2).join(':');
  for (const addr of [listen, upstream]) {
    const m = HOST_PORT.exec(addr);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new UsageError(`${text}: ${addr} is not host:port; ${wanted}`);
  }
  const listenHost = HOST_PORT.exec(listen)![1]!;
  if (!isLoopback(listenHost)) {
    throw new UsageError(
      `${text}: the proxy listens on loopback only (127.0.0.0/8, localhost), not ${listenHost}: it is a fault injector, not a gateway`,
    );
  }
  const upstreamHost = HOST_PORT.exec(upstream)![1]!;
  if (!isLoopback(upstreamHost) && !isAllowed(upstreamHost, allowedHosts)) {
    throw new UsageError(`${text}: ${upstreamHost} is not loopback; if it is your dependency, allow it: --allowed-hosts ${upstreamHost}`);
  }
  return { name, listen, upstream };
}

/** A proxies file: toxiproxy's own format, `[{"name", "listen", "upstream"}]`. */
export function readProxiesFile(file: string, allowedHosts: readonly string[]): ProxySpec[] {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(list)) throw new UsageError(`--config ${file}: expected a JSON array of {"name", "listen", "upstream"}`);
  return list.map((p: { name?: unknown; listen?: unknown; upstream?: unknown }) => {
    const text = `${String(p.name)}=${String(p.listen)}:${String(p.upstream)}`;
    return parseProxySpec(text, allowedHosts);
  });
}

interface Lease {
  /** Toxics by proxy: names as the run gave them. */
  toxics: Map<string, Set<string>>;
  expires: number;
}

export interface FaultController {
  url: string;
  /** Toxics each run holds now, by run: `proxy/name`. */
  runs(): Record<string, string[]>;
  stop(): Promise<void>;
}

const RUN = /^[A-Za-z0-9_-]{1,64}$/;
const TOXIC_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Starts toxiproxy on a private loopback port with `proxies`, and the controller on `port`
 * (0: a free one). `leaseMs`: how long a run's toxics outlive its last word.
 */
export async function startFaults(o: {
  proxies: ProxySpec[];
  port: number;
  leaseMs: number;
  log?: (line: string) => void;
}): Promise<FaultController> {
  const log = o.log ?? ((line: string) => process.stderr.write(`floodgate faults: ${line}\n`));
  const bin = ensureGoTool('toxiproxy-server');
  const apiPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  const child: ChildProcess = spawn(bin, ['-host', '127.0.0.1', '-port', String(apiPort)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const toxiproxy = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  for (let i = 0; ; i++) {
    const up = await toxiproxy('GET', '/version').then(
      () => true,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || i > 100) throw new Error(`toxiproxy did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const p of o.proxies) {
    const r = await toxiproxy('POST', '/proxies', { name: p.name, listen: p.listen, upstream: p.upstream, enabled: true });
    if (r.status !== 201) {
      await stopChild(child);
      throw new UsageError(`proxy ${p.name} (${p.listen} -> ${p.upstream}): toxiproxy refused it: ${JSON.stringify(r.json)}`);
    }
    log(`${p.name}: ${p.listen} -> ${p.upstream} (point your service's ${p.name} address at ${p.listen})`);
  }

  const leases = new Map<string, Lease>();
  const toxicId = (run: string, name: string) => `floodgate.${run}.${name}`;
  const removeRun = async (run: string, why: string) => {
    const lease = leases.get(run);
    if (!lease) return 0;
    leases.delete(run);
    let n = 0;
    for (const [proxy, names] of lease.toxics) {
      for (const name of names) {
        await toxiproxy('DELETE', `/proxies/${proxy}/toxics/${toxicId(run, name)}`).catch(() => undefined);
        n++;
      }
    }
    if (n > 0) log(`run ${run}: ${why}: removed its ${n} toxic(s)`);
    return n;
  };
  // Every quarter second: a run whose lease ran out (k6 killed, its machine gone) loses its toxics.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [run, lease] of leases) {
      if (lease.expires < now) void removeRun(run, `silent for ${o.leaseMs} ms (k6 stopped without a word?)`);
    }
  }, 250);

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body) + '\n');
  };
  const readBody = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const renew = (run: string) => {
    const lease = leases.get(run) ?? { toxics: new Map(), expires: 0 };
    lease.expires = Date.now() + o.leaseMs;
    leases.set(run, lease);
    return lease;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean);
      if (req.method === 'GET' && parts.length === 0) {
        return send(res, 200, { floodgate: 'faults', toxiproxy: GO_TOOLS['toxiproxy-server'].version, leaseMs: o.leaseMs });
      }
      if (req.method === 'GET' && url.pathname === '/proxies') {
        const r = await toxiproxy('GET', '/proxies');
        const proxies = Object.fromEntries(
          Object.entries(r.json as Record<string, { listen: string; upstream: string; enabled: boolean }>).map(([name, p]) => [
            name,
            { listen: p.listen, upstream: p.upstream, enabled: p.enabled },
          ]),
        );
        return send(res, 200, proxies);
      }
      if (req.method === 'GET' && url.pathname === '/runs') return send(res, 200, runsNow());
      const [head, run, kind, proxy, name] = parts;
      if (head !== 'runs' || !run || !RUN.test(run)) return send(res, 404, { error: `no ${req.method} ${url.pathname} here` });
      if (req.method === 'POST' && kind === 'lease' && parts.length === 3) {
        renew(run);
        return send(res, 200, { run, leaseMs: o.leaseMs });
      }
      if (req.method === 'DELETE' && parts.length === 2) return send(res, 200, { run, removed: await removeRun(run, 'its run ended') });
      if (kind !== 'toxics' || !proxy || !name || parts.length !== 5 || !TOXIC_NAME.test(name)) {
        return send(res, 404, { error: `no ${req.method} ${url.pathname} here` });
      }
      if (req.method === 'PUT') {
        const spec = await readBody(req);
        const lease = renew(run);
        const id = toxicId(run, name);
        await toxiproxy('DELETE', `/proxies/${proxy}/toxics/${id}`).catch(() => undefined);
        const r = await toxiproxy('POST', `/proxies/${proxy}/toxics`, { ...spec, name: id });
        if (r.status !== 200) return send(res, r.status, { error: r.json.error ?? r.json, proxy, toxic: name });
        lease.toxics.set(proxy, (lease.toxics.get(proxy) ?? new Set()).add(name));
        return send(res, 200, { run, proxy, toxic: name });
      }
      if (req.method === 'DELETE') {
        await toxiproxy('DELETE', `/proxies/${proxy}/toxics/${toxicId(run, name)}`).catch(() => undefined);
        leases.get(run)?.toxics.get(proxy)?.delete(name);
        return send(res, 200, { run, proxy, removed: name });
      }
      return send(res, 405, { error: `${req.method} not allowed on ${url.pathname}` });
    })().catch((err: unknown) => send(res, 500, { error: String(err) }));
  });
  const runsNow = () =>
    Object.fromEntries(
      [...leases].map(([run, lease]) => [run, [...lease.toxics].flatMap(([proxy, names]) => [...names].map((n) => `${proxy}/${n}`))]),
    );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    runs: runsNow,
    async stop() {
      clearInterval(sweeper);
      for (const run of [...leases.keys()]) await removeRun(run, 'the fault proxy stopped');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await stopChild(child);
    },
  };
}
