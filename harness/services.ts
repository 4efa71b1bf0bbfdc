// Real backing services for tests and demos, started privately on a free loopback port so a
// run never depends on, or disturbs, the machine's own: Redis and InfluxDB as private processes,
// PostgreSQL as the machine's server with a schema of the test's own. Installs the Debian
// package when a binary is missing and we are root (CI); otherwise says how.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { cacheDir } from './paths.mjs';

/** A free TCP port on loopback, as the kernel hands one out. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Installs Debian's `pkg` (as root, the CI case), or says how to when not root. */
function aptInstall(pkg: string, forWhat: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${forWhat} is missing: install Debian's ${pkg} (sudo apt-get install -y ${pkg})`);
  process.stderr.write(`floodgate: installing ${pkg} (apt-get) for ${forWhat}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // One install at a time: the test lanes run side by side, and on a fresh machine two of them
  // may want a package (nginx, InfluxDB) at the same moment; apt-get fails at once on a lock
  // another holds. flock queues ours; the lock timeout waits out anyone else's dpkg.
  mkdirSync(cacheDir, { recursive: true });
  const apt = 'apt-get -o DPkg::Lock::Timeout=600';
  const script = `${apt} update -qq; ${apt} install -y -qq --no-install-recommends "$1"`;
  const r = spawnSync('flock', ['-w', '900', join(cacheDir, 'apt.lock'), 'sh', '-c', script, 'sh', pkg], { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`could not install ${pkg} for ${forWhat}`);
}

/** The path of `bin`, installing Debian's `pkg` for it when missing and allowed. */
export function ensureBinary(bin: string, pkg: string): string {
  const which = () => spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim();
  if (!which()) aptInstall(pkg, bin);
  const path = which();
  if (!path) throw new Error(`${pkg} is installed but ${bin} is not on PATH`);
  return path;
}

/** `file`, installing Debian's `pkg` for it when missing and allowed (a module, a data file). */
export function ensurePackageFile(file: string, pkg: string): string {
  if (!existsSync(file)) aptInstall(pkg, file);
  if (!existsSync(file)) throw new Error(`${pkg} is installed but has no ${file}`);
  return file;
}

export interface Service {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts `bin` and waits until `up()` says it serves, or fails with what it printed (and `log()`)
 * once it exits or `timeoutMs` passes. The child is stopped on failure.
 */
export async function spawnService(
  bin: string,
  args: string[],
  what: string,
  up: () => Promise<boolean>,
  o: { timeoutMs?: number; log?: () => string } = {},
): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  while (!(await up())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`${what} did not start: ${err}${o.log?.() ?? ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** Whether an HTTP GET of `url` answers `status`. */
export const answers = (url: string, status: number) => () =>
  fetch(url).then(
    (r) => r.status === status,
    () => false,
  );

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** A throwaway Redis: no persistence, its own port (or `port`: to start it again where it was), stopped with stop(). */
export async function startRedis(port?: number): Promise<Service> {
  const bin = ensureBinary('redis-server', 'redis-server');
  port ??= await freePort();
  const child = await spawnService(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    `redis-server on port ${port}`,
    () => answersPing(port),
  );
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopChild(child) };
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * The PostgreSQL the db-pool tests use ($DATABASE_URL, else the local server). If the local
 * server is down and this machine has Debian's cluster tools, starts it, as CI needs.
 */
export async function ensurePostgres(): Promise<string> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const { default: pg } = await import('pg');
  const reachable = async () => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  };
  if (await reachable()) return url;
  const clusters = spawnSync('sh', ['-c', 'ls /etc/postgresql 2>/dev/null'], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
  for (const version of clusters) spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  for (let i = 0; i < 20 && !(await reachable()); i++) await new Promise((r) => setTimeout(r, 500));
  if (!(await reachable())) throw new Error(`PostgreSQL at ${url} does not answer: start it, or set DATABASE_URL`);
  return url;
}

/**
 * A schema of a test's own on `url`, and a URL whose connections use it (search_path), with any
 * more parameters the service's driver reads (pgx: pool_max_conns...).
 */
export async function createSchema(url: string, schema: string, params: Record<string, string> = {}): Promise<string> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } finally {
    await c.end();
  }
  const u = new URL(url);
  for (const [k, v] of Object.entries({ search_path: schema, ...params })) u.searchParams.set(k, v);
  return u.toString();
}

/** Drops a schema the db-pool target created for a test. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}

/**
 * A throwaway InfluxDB 1.x (Debian's influxdb: the API k6's built-in output speaks): its own data
 * directory and loopback ports, no usage reporting, stopped (and its data removed) with stop().
 */
export async function startInfluxDB(): Promise<Service> {
  const bin = ensureBinary('influxd', 'influxdb');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'floodgate-influxdb-'));
  const [port, rpcPort] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(
    config,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
[monitor]
  store-enabled = false
[logging]
  level = "error"
`,
  );
  const url = `http://127.0.0.1:${port}`;
  const child = await spawnService(bin, ['-config', config], `influxd on port ${port}`, answers(`${url}/ping`, 204), { timeoutMs: 20_000 });
  return {
    url,
    port,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs an InfluxQL query against `db` and returns the rows of its first series (or []). */
export async function influxQuery(url: string, db: string, q: string): Promise<unknown[][]> {
  return (await influxSeries(url, db, q))[0]?.values ?? [];
}

/** Every series of an InfluxQL query's answer, each with the tags it was grouped by. */
export async function influxSeries(url: string, db: string, q: string): Promise<{ tags: Record<string, string>; values: unknown[][] }[]> {
  const res = await fetch(`${url}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as {
    results: { error?: string; series?: { tags?: Record<string, string>; values: unknown[][] }[] }[];
  };
  const first = body.results[0];
  if (first?.error) throw new Error(`InfluxDB: ${first.error} (query: ${q})`);
  return (first?.series ?? []).map((s) => ({ tags: s.tags ?? {}, values: s.values }));
}
