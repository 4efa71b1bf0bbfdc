// Servers nobody here wrote, judged by the pack's gates unchanged: nginx answering echoes (its
// echo module) passes echo and keep-alive; nginx's own limit_req (5 r/s per X-User-Id, burst 5,
// 429 with Retry-After: 1, and no RateLimit fields) passes burst, and fails it on the over-limit
// gate alone when it lets 10 r/s through while the API promises 5.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startNginx } from '../../harness/nginx.ts';
import type { Service } from '../../harness/services.ts';
import { dist, HEADROOM, runK6, type K6Result } from '../helpers/k6.ts';
import { docK6Args } from '../helpers/doc-commands.ts';

const observed = (r: K6Result, metric: string) => r.report!.thresholds.find((t) => t.metric === metric)?.observed;

let echo: Service;
before(async () => {
  echo = await startNginx({
    modules: ['echo'],
    server: `location = /echo { client_body_buffer_size 2m; client_max_body_size 2m; echo_read_request_body; echo_request_body; }`,
  });
});
after(async () => {
  await echo.stop();
});

test("nginx as an echo server passes echo, run as echo's page gives it: every threshold met, every request a new connection (exit 0)", async () => {
  const { script, args } = docK6Args('echo', { 'http://127.0.0.1:9000': echo.url });
  const r = await runK6(script, { ...HEADROOM, PROFILE: 'smoke' }, args);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.ok(r.report!.requests.count > 100, `${r.report!.requests.count} requests`);
});

test('nginx as an echo server passes keep-alive: its kept-alive connections are reused (exit 0)', async () => {
  const r = await runK6(dist('keep-alive'), { ...HEADROOM, PROFILE: 'smoke', BASE_URL: echo.url });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.ok(observed(r, 'connection_reused{scenario:reuse}')! > 0.95);
});

/** nginx limit_req at `rate` r/s per user, serving a file (limit_req acts in the preaccess phase: a `return` would answer first). */
async function limitReq(rate: number): Promise<Service> {
  return startNginx({
    http: `limit_req_zone $http_x_user_id zone=users:10m rate=${rate}r/s;`,
    files: { 'work.json': '{"done":true}\n' },
    server: `
    location = /api/work {
      limit_req zone=users burst=5 nodelay;
      limit_req_status 429;
      error_page 429 @limited;
      try_files /work.json =404;
    }
    location @limited { add_header Retry-After 1 always; return 429 "rate limited\\n"; }`,
  });
}

/** burst's own-service command (docs/burst.md), read from the page, against `url`. */
const burstPageRun = (url: string, env: Record<string, string>) => {
  const { script, args } = docK6Args('burst', { 'http://127.0.0.1:9000': url });
  return runK6(script, { PROFILE: 'smoke', ...env }, args);
};

test('nginx limit_req at the promised 5 r/s passes burst: no false 429s, the noisy user held to the limit, refusals with Retry-After and no RateLimit fields (exit 0)', async () => {
  const nginx = await limitReq(5);
  try {
    const r = await burstPageRun(nginx.url, HEADROOM);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(r.report!.failedThresholds, []);
    assert.equal(observed(r, 'rate_limit_false_positives'), 0);
    assert.equal(observed(r, 'over_limit_refusals_well_formed'), 1);
    const admitted = observed(r, 'over_limit_admitted_per_limit')!;
    // Held under the gate; above half, so the user was admitted at all (the figure only falls as the run stretches).
    assert.ok(admitted > 0.5 && admitted < 1.25, `admitted ${admitted}x the limit`);
    assert.match(r.stdout, /refusals with RateLimit fields\s+0\.00%/);
  } finally {
    await nginx.stop();
  }
});

test('nginx limit_req letting 10 r/s through while the API promises 5 fails burst on the over-limit gate alone (exit 99)', async () => {
  const nginx = await limitReq(10);
  try {
    const r = await burstPageRun(nginx.url, HEADROOM);
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.deepEqual(r.report!.failedThresholds, ['over_limit_admitted_per_limit']);
    // About 2x the promised limit; the mechanism is the user far past the gate of 1.25.
    assert.ok(observed(r, 'over_limit_admitted_per_limit')! > 1.25 * 1.25);
  } finally {
    await nginx.stop();
  }
});

test('RATELIMIT_HEADERS=require holds nginx to the draft RateLimit fields it does not send: the refusal gate fails (exit 99)', async () => {
  const nginx = await limitReq(5);
  try {
    // The smoke profile's 8 s: at 4 s the burst of 5 alone puts the noisy user at the over-limit gate's edge.
    const r = await runK6(dist('burst'), {
      ...HEADROOM,
      PROFILE: 'smoke',
      BASE_URL: nginx.url,
      RATELIMIT_HEADERS: 'require',
    });
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.deepEqual(r.report!.failedThresholds, ['over_limit_refusals_well_formed']);
  } finally {
    await nginx.stop();
  }
});

/** nginx balancing four nginx replicas (the last 60 ms slow), naming the one that answered as its address. */
async function nginxBalancer(strategy: string): Promise<{ balancer: Service; replicas: Service[] }> {
  const replicas: Service[] = [];
  for (const delay of [0, 0, 0, 0.06]) {
    replicas.push(
      await startNginx({
        modules: ['echo'],
        server: `location = /api/work { ${delay > 0 ? `echo_sleep ${delay};` : ''} echo "ok"; }`,
      }),
    );
  }
  const balancer = await startNginx({
    http: `upstream app { ${strategy} ${replicas.map((r) => `server 127.0.0.1:${r.port};`).join(' ')} keepalive 32; }`,
    server: `location = /api/work {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      add_header X-Replica-Id $upstream_addr always;
    }`,
  });
  return { balancer, replicas };
}

/** lb-strategies' own-balancer command (docs/lb-strategies.md), read from the page, against nginx. */
async function lbPageRun(strategy: string, env: Record<string, string>): Promise<K6Result> {
  const { balancer, replicas } = await nginxBalancer(strategy);
  try {
    const swap = Object.fromEntries(replicas.map((r, i) => [`127.0.0.1:800${i + 1}`, `127.0.0.1:${r.port}`]));
    const { script, args } = docK6Args(
      'lb-strategies',
      { 'http://127.0.0.1:9000': balancer.url, ...swap },
      '## Pointing it at your own balancer',
    );
    return await runK6(script, { PROFILE: 'smoke', ...env }, args);
  } finally {
    await balancer.stop();
    for (const r of replicas) await r.stop();
  }
}

test("nginx's least_conn over four nginx replicas, one slow, passes lb-strategies as its page runs it: the slow one well under its share (exit 0)", async () => {
  const r = await lbPageRun('least_conn;', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.ok(observed(r, 'lb_slow_replica_share_of_even{strategy:least_conn}')! < 0.75);
});

test("the same command against nginx left at its default round robin fails on the slow replica's share alone (exit 99)", async () => {
  const r = await lbPageRun('', HEADROOM);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['lb_slow_replica_share_of_even{strategy:least_conn}']);
});
