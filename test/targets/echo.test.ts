// The echo target as a process: its routes, its degraded mode, its CLI errors and its shutdown.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';
import { targetNames } from '../../lib/reference-targets.ts';
import { eventually } from '../helpers/eventually.ts';

let healthy: TargetProcess;
before(async () => {
  healthy = await startTarget('echo');
});
after(async () => {
  await healthy.stop();
});

test('POST /echo returns the body with its content type', async () => {
  const res = await fetch(`${healthy.url}/echo`, { method: 'POST', body: 'hello, flood', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain');
  assert.equal(await res.text(), 'hello, flood');
});

test("the single-container study's GET /api/health and GET /api/data answer JSON; an unknown route is a 404 listing the routes", async () => {
  assert.deepEqual(await (await fetch(`${healthy.url}/api/health`)).json(), { status: 'ok' });
  const data = (await (await fetch(`${healthy.url}/api/data`)).json()) as { items: unknown[] };
  assert.equal(data.items.length, 20);
  const missing = await fetch(`${healthy.url}/nope`);
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /POST \/echo/);
});

test('/healthz is up, and /metrics counts requests by route (not itself), open connections and RSS', async () => {
  assert.equal((await fetch(`${healthy.url}/healthz`)).status, 200);
  const before = await healthy.metric('http_requests_total', { handler: '/echo' });
  await fetch(`${healthy.url}/echo`, { method: 'POST', body: 'x' });
  assert.equal(await healthy.metric('http_requests_total', { handler: '/echo', code: '200', method: 'post' }), before + 1);
  const text = await (await fetch(`${healthy.url}/metrics`)).text();
  assert.match(text, /^http_open_connections\{target="echo"\} \d+/m);
  assert.match(text, /^process_resident_memory_bytes\{target="echo"\} \d+/m);
  assert.doesNotMatch(text, /handler="\/metrics"/);
});

/** Two requests over one keep-alive agent: whether the second reused the first's socket. */
async function reusedSocket(url: string): Promise<boolean> {
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    await new Promise<void>((resolve, reject) => {
      const req = request(`${url}/api/health`, { agent }, (res) => {
        sockets.push(res.socket);
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  }
  agent.destroy();
  return sockets[0] === sockets[1];
}

test('the healthy mode keeps connections alive', async () => {
  assert.equal(await reusedSocket(healthy.url), true);
});

test('the degraded mode adds latency and closes every connection after one response', async () => {
  const degraded = await startTarget('echo', ['--mode', 'degraded', '--delay-ms', '150']);
  try {
    const t0 = performance.now();
    const res = await fetch(`${degraded.url}/echo`, { method: 'POST', body: 'slow' });
    assert.equal(await res.text(), 'slow');
    assert.ok(performance.now() - t0 >= 140, 'the answer took the added delay');
    assert.equal(res.headers.get('connection'), 'close');
    assert.equal(await reusedSocket(degraded.url), false);
  } finally {
    await degraded.stop();
  }
});

const bundle = fileURLToPath(new URL('../../dist/targets.mjs', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', timeout: 10_000 });

test('a bad mode, target name or flag value exits 2 saying what is allowed', () => {
  const mode = cli('echo', '--mode', 'chaos');
  assert.equal(mode.status, 2);
  assert.match(mode.stderr, /--mode chaos: target echo has modes healthy, degraded/);
  const name = cli('nope');
  assert.equal(name.status, 2);
  assert.match(name.stderr, /no target "nope"; targets: echo/);
  const flag = cli('echo', '--delay-ms', 'soon');
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--delay-ms soon: expected a whole number/);
  const fault = cli('echo', '--fault', 'nope');
  assert.equal(fault.status, 2);
  assert.match(fault.stderr, /--fault nope: target echo has faults stalls/);
  const two = cli('--fault', 'stalls');
  assert.equal(two.status, 2);
  assert.match(two.stderr, /--fault applies to one target; name it/);
});

test("--help lists each target's faults like its modes", () => {
  const help = cli('--help');
  assert.equal(help.status, 0);
  for (const fault of ['stalls', 'key-by-address', 'no-retry-after', 'breaker-stuck-open', 'lost-writes', 'corrupt-echoes']) {
    assert.match(help.stdout, new RegExp(`--fault ${fault}: \\S`), fault);
  }
});

test('--instances with no target named refuses, since the selection (every target) includes ws, and says what to name', () => {
  const r = cli('--instances', '2');
  assert.equal(r.status, 2);
  // Every other target, in the order lib/reference-targets.ts lists them.
  const others = targetNames.filter((n) => n !== 'ws');
  assert.ok(r.stderr.includes(`--instances does not apply to ws: `), r.stderr);
  assert.ok(r.stderr.includes(`e.g. npm run targets -- ${others.join(' ')} --instances 2`), r.stderr);
  assert.equal(cli('ws', '--instances', '2').status, 2);
});

test('a port in use is a clear error, not a stack trace', async () => {
  const port = new URL(healthy.url).port;
  const r = cli('echo', '--port', port);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`cannot start echo: port ${port} is in use`));
});

test('on SIGTERM it stops accepting, finishes the in-flight request and exits 0 within the grace period', async () => {
  const t = await startTarget('echo', ['--delay-ms', '800', '--grace-ms', '5000']);
  const inflight = fetch(`${t.url}/echo`, { method: 'POST', body: 'finish me' });
  await eventually(
    'the request is being served',
    () => t.metric('http_inflight_requests'),
    (n) => n === 1,
  );
  const stopped = t.stop();
  const res = await inflight;
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'finish me');
  const { code, ms } = await stopped;
  assert.equal(code, 0);
  assert.ok(ms < 5000, `exited in ${ms} ms`);
  await assert.rejects(fetch(`${t.url}/healthz`), 'no longer accepting');
});

test('a request still running at the end of the grace period is cut and the target exits anyway', async () => {
  const t = await startTarget('echo', ['--delay-ms', '10000', '--grace-ms', '300']);
  const inflight = fetch(`${t.url}/echo`, { method: 'POST', body: 'too slow' }).catch((e: Error) => e);
  await eventually(
    'the request is being served',
    () => t.metric('http_inflight_requests'),
    (n) => n === 1,
  );
  const { code, ms } = await t.stop();
  assert.equal(code, 0);
  assert.ok(ms < 3000, `exited in ${ms} ms`);
  assert.ok((await inflight) instanceof Error, 'the cut request failed on the client');
});
