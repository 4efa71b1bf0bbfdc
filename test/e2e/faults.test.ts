// Faults injected into a service's dependency through the fault proxy (npm run faults: toxiproxy
// behind the pack's lease controller), by the scenario, at its timeline's moments, on services
// floodgate did not write, each run with the two commands its page gives (the proxy, then k6):
// the Go slow-upstream target's upstream, PostgreSQL behind the Go pgxpool service, a private
// Redis behind the Go limiter, each both ways. A k6 killed mid-outage leaves no fault behind (the
// lease), nor does one stopped with Ctrl-C (teardown); bad FAULTS_URL or FAULT_PROXY stop the run
// before any load, naming what was asked and what exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaults, type FaultController } from '../../harness/faults.ts';
import { startPeer, type Peer } from '../../harness/peers.ts';
import { createSchema, dropSchema, ensurePostgres, freePort, startRedis, stopChild } from '../../harness/services.ts';
import { startTarget } from '../../harness/target-process.ts';
import { k6Env } from '../../harness/k6-env.mjs';
import { ensureK6 } from '../../harness/k6-setup.mjs';
import { docBlock, docK6Args, shellWords } from '../helpers/doc-commands.ts';
import { dist, HEADROOM, k6Values, repoRoot, runK6, type K6Result } from '../helpers/k6.ts';

const WITH_FAULTS = '### With faults injected';

interface DocFaults {
  url: string;
  /** The listen port each proxy got, by name. */
  listen: Record<string, number>;
  runs(): Promise<Record<string, string[]>>;
  stop(): Promise<void>;
}

/**
 * The page's `npm run faults` command as a user runs it (a child process), each proxy's listen
 * port moved to a free one and its upstream to `upstreams[name]`, the API on a free port.
 */
async function docFaults(page: string, upstreams: Record<string, string>, leaseMs = 5000): Promise<DocFaults> {
  const words = shellWords(docBlock(page, WITH_FAULTS, 0));
  assert.deepEqual(words.slice(0, 4), ['npm', 'run', 'faults', '--'], words.join(' '));
  const listen: Record<string, number> = {};
  const args: string[] = [];
  for (const spec of words.slice(4)) {
    const name = spec.slice(0, spec.indexOf('='));
    listen[name] = await freePort();
    args.push(`${name}=127.0.0.1:${listen[name]}:${upstreams[name] ?? assert.fail(`no upstream for ${name}`)}`);
  }
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/faults.ts', '--port', '0', '--lease-ms', String(leaseMs), ...args],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run faults did not start: ${err}`)), 30_000);
    child.stderr!.on('data', () => {
      const m = /the API is (http:\/\/\S+) /.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`npm run faults exited with ${code}: ${err}`)));
  });
  return {
    url,
    listen,
    runs: async () => (await (await fetch(`${url}/runs`)).json()) as Record<string, string[]>,
    stop: () => stopChild(child),
  };
}

/** The page's k6 command with faults, its example addresses swapped for the test's. */
const docRun = (page: string, swap: Record<string, string>, env: Record<string, string>) => {
  const { script, args } = docK6Args(page, swap, WITH_FAULTS, 1);
  return runK6(script, { PROFILE: 'smoke', ...env }, args);
};

// slow-upstream: the Go target's own upstream answers at once; the proxy makes it 2-3 s slow and cuts it off mid-run.
async function slowUpstream(targetArgs: string[], env: Record<string, string>): Promise<K6Result> {
  const upstreamPort = await freePort();
  const faults = await docFaults('slow-upstream', { upstream: `127.0.0.1:${upstreamPort}` });
  try {
    const t = await startTarget('slow-upstream-go', [
      '--grace-ms',
      '200',
      '--upstream-listen',
      `127.0.0.1:${upstreamPort}`,
      '--upstream-min-ms',
      '0',
      '--upstream-max-ms',
      '0',
      '--upstream-url',
      `http://127.0.0.1:${faults.listen.upstream}`,
      ...targetArgs,
    ]);
    try {
      const r = await docRun('slow-upstream', { 'http://127.0.0.1:9000': t.url, 'http://127.0.0.1:8474': faults.url }, env);
      assert.deepEqual(await faults.runs(), {}, 'the run left no fault behind');
      return r;
    } finally {
      await t.stop();
    }
  } finally {
    await faults.stop();
  }
}

test('slow-upstream through the fault proxy: the Go service, its upstream made slow and cut off mid-run, passes with the outage and recovery gates judged (exit 0)', async () => {
  const r = await slowUpstream([], HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.deepEqual(r.report!.notGated, [], 'no gate skipped: the outage happened');
  assert.equal(k6Values(r, 'target_breaker_state').max, 2, 'the circuit opened in the outage');
  assert.ok(k6Values(r, 'target_inflight').max! >= 75, "the proxy's 2-3 s piled the calls up to the limit");
});

test('the same, against a circuit that never closes again: red on the recovered breaker state (exit 99)', async () => {
  const r = await slowUpstream(['--fault', 'breaker-stuck-open'], {});
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('target_breaker_state{phase:recovered}'), `${r.report!.failedThresholds}`);
});

// db-pool: PostgreSQL behind the proxy, made slow on every answer; the pgxpool service holds nothing itself (-hold-ms 0).
async function dbPool(mode: string, env: Record<string, string>): Promise<K6Result> {
  const pg = await ensurePostgres();
  const schema = `floodgate_faults_${mode}_${process.pid}`;
  const db = new URL(pg);
  const faults = await docFaults('db-pool', { db: `${db.hostname}:${db.port || 5432}` });
  try {
    const direct = await createSchema(pg, schema, { pool_max_conns: '60' });
    const viaProxy = new URL(direct);
    viaProxy.host = `127.0.0.1:${faults.listen.db}`;
    const svc = await startPeer('pgx-debits', ['-mode', mode, '-hold-ms', '0', '-database-url', viaProxy.toString()]);
    try {
      const r = await docRun('db-pool', { 'http://127.0.0.1:9000': svc.url, 'http://127.0.0.1:8474': faults.url }, env);
      // What the service said, for a failed assertion's message: a ledger it could not read says why there.
      r.stderr += `\n--- pgx-debits ---\n${svc.output().slice(-2000)}`;
      assert.deepEqual(await faults.runs(), {}, 'the run left no fault behind');
      return r;
    } finally {
      await svc.stop();
    }
  } finally {
    await faults.stop();
    await dropSchema(pg, schema);
  }
}

test('db-pool through the fault proxy: a slow database, and a pool with a bounded wait, passes (exit 0)', async () => {
  const r = await dbPool('bounded', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.ok(k6Values(r, 'target_pool_waiting').max! >= 45, 'the slow database ran the pool dry');
});

test("the same slow database, and pgxpool's wait for as long as the request lives: red on timeouts, p99 and callers waiting (exit 99)", async () => {
  const r = await dbPool('unbounded', {});
  assert.equal(r.code, 99, r.stdout + r.stderr);
  for (const gate of ['failed_requests{failure_mode:request_timeout}', 'http_req_duration{scenario:overload}', 'target_pool_waiting']) {
    assert.ok(r.report!.failedThresholds.includes(gate), `${gate} in ${r.report!.failedThresholds}`);
  }
});

// kv-writes: a private Redis behind the proxy, cut off mid-run by the scenario; redis-stats reads the store itself.
async function kvWrites(mode: string, env: Record<string, string>): Promise<K6Result> {
  const redis = await startRedis();
  const faults = await docFaults('kv-writes', { store: `127.0.0.1:${redis.port}` });
  const started: Peer[] = [];
  try {
    started.push(await startPeer('redis-stats', ['-redis-url', redis.url]));
    started.push(await startPeer('kv-limiter', ['-mode', mode, '-redis-url', `redis://127.0.0.1:${faults.listen.store}`]));
    const [stats, limiter] = started;
    const r = await docRun(
      'kv-writes',
      { 'http://127.0.0.1:9000': limiter!.url, 'http://127.0.0.1:9121': stats!.url, 'http://127.0.0.1:8474': faults.url },
      env,
    );
    assert.deepEqual(await faults.runs(), {}, 'the run left no fault behind');
    return r;
  } finally {
    for (const p of started.reverse()) await p.stop();
    await faults.stop();
    await redis.stop();
  }
}

test('kv-writes through the fault proxy: the store cut off by the scenario mid-run; a limiter counting in memory passes, writing again after (exit 0)', async () => {
  const r = await kvWrites('batched', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.deepEqual(r.report!.notGated, []);
  assert.equal(k6Values(r, 'target_kv_store_healthy{phase:outage}').min, 0, 'the service saw its store gone');
});

test('the same cut against go-redis/redis_rate: 500s while the store is away, and its writes (exit 99)', async () => {
  const r = await kvWrites('redis-rate', {});
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['failed_requests{failure_mode:http_5xx}', 'target_kv_writes_per_user_second']);
});

/** Redis answers PING through `port` (the proxy): the store is reachable again. */
function pingThrough(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    s.once('data', (d) => (s.end(), resolve(String(d).startsWith('+PONG'))));
    s.once('error', () => resolve(false));
  });
}

/** kv-writes with faults against the in-memory limiter, its k6 stopped with `signal` once the store is cut off. */
async function stoppedMidOutage(signal: NodeJS.Signals, leaseMs: number) {
  const redis = await startRedis();
  const faults: FaultController = await startFaults({
    proxies: [{ name: 'store', listen: `127.0.0.1:${await freePort()}`, upstream: `127.0.0.1:${redis.port}` }],
    port: 0,
    leaseMs,
    log: () => {},
  });
  const listen = Number(
    ((await (await fetch(`${faults.url}/proxies`)).json()) as Record<string, { listen: string }>).store!.listen.split(':')[1],
  );
  const limiter = await startPeer('kv-limiter', ['-mode', 'batched', '-redis-url', `redis://127.0.0.1:${listen}`]);
  try {
    const args = [
      'run',
      '--quiet',
      ...['-e', 'PROFILE=smoke', '-e', `BASE_URL=${limiter.url}`, '-e', 'API_PATH=/v1/tools/call', '-e', `FAULTS_URL=${faults.url}`],
    ];
    args.push(...['-e', 'OUTAGE_AT=2s', '-e', 'OUTAGE_FOR=30s', '-e', 'RESULTS_DIR=/tmp', dist('kv-writes')]);
    const k6 = spawn(ensureK6(), args, { cwd: repoRoot, env: k6Env(process.env, repoRoot), stdio: 'ignore' });
    const exited = new Promise((r) => k6.once('exit', r));
    while (!Object.values(faults.runs()).flat().includes('store/outage')) await sleep(100);
    assert.equal(await pingThrough(listen), false, 'mid-outage: the store is cut off through the proxy');
    k6.kill(signal);
    await exited;
    const gone = Date.now();
    while (Object.keys(faults.runs()).length > 0 && Date.now() - gone < leaseMs + 5000) await sleep(100);
    return { afterMs: Date.now() - gone, runs: faults.runs(), reachable: await pingThrough(listen) };
  } finally {
    await limiter.stop();
    await faults.stop();
    await redis.stop();
  }
}

test("k6 killed (SIGKILL) mid-outage: the proxy removes the run's fault when its lease runs out, and the store is reachable again", async () => {
  const r = await stoppedMidOutage('SIGKILL', 2000);
  assert.deepEqual(r.runs, {});
  assert.ok(r.afterMs >= 500 && r.afterMs < 2000 + 1500, `removed ${r.afterMs} ms after k6 died, for a lease of 2000 ms`);
  assert.equal(r.reachable, true);
});

test('k6 stopped with Ctrl-C (SIGINT) mid-outage: teardown removes the fault at once, long before the lease would', async () => {
  const r = await stoppedMidOutage('SIGINT', 60_000);
  assert.deepEqual(r.runs, {});
  assert.ok(r.afterMs < 5000, `removed ${r.afterMs} ms after k6 exited`);
  assert.equal(r.reachable, true);
});

test('a fault proxy that is not running, or a proxy it does not have, stops the run before any load (exit 108), saying what exists', async () => {
  const nobody = `http://127.0.0.1:${await freePort()}`;
  const r = await runK6(dist('kv-writes'), {
    PROFILE: 'smoke',
    SKIP_PREFLIGHT: 'true',
    BASE_URL: 'http://127.0.0.1:9',
    FAULTS_URL: nobody,
    OUTAGE_FOR: '2s',
  });
  assert.equal(r.code, 108, r.stdout + r.stderr);
  assert.match(
    r.stderr,
    /-e FAULTS_URL=http:\/\/127\.0\.0\.1:\d+: nothing answered .*Start it with npm run faults -- store=<listen>:<your dependency>/,
  );
  const faults = await startFaults({
    proxies: [{ name: 'db', listen: `127.0.0.1:${await freePort()}`, upstream: '127.0.0.1:5432' }],
    port: 0,
    leaseMs: 5000,
    log: () => {},
  });
  try {
    const r2 = await runK6(dist('kv-writes'), {
      PROFILE: 'smoke',
      SKIP_PREFLIGHT: 'true',
      BASE_URL: 'http://127.0.0.1:9',
      FAULTS_URL: faults.url,
      OUTAGE_FOR: '2s',
    });
    assert.equal(r2.code, 108, r2.stdout + r2.stderr);
    assert.match(r2.stderr, /-e FAULT_PROXY=store: the fault proxy at http:\/\/127\.0\.0\.1:\d+ has no such proxy; it has db/);
    assert.equal(r2.report!.requests.count, 2, 'the two questions to the proxy, and no load');
  } finally {
    await faults.stop();
  }
  const r3 = await runK6(dist('kv-writes'), { PROFILE: 'smoke', BASE_URL: 'http://127.0.0.1:9', FAULTS_URL: 'http://faults.invalid:8474' });
  assert.equal(r3.code, 107, r3.stdout + r3.stderr);
  assert.match(r3.stderr, /refusing to send load to faults\.invalid \(from FAULTS_URL=/);
});
