// The fault proxy's own rules (harness/faults.ts): proxies listen on loopback only, name their
// upstream plainly, and each run's faults live on a lease: a run that goes silent loses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseProxySpec, startFaults } from '../../harness/faults.ts';
import { freePort } from '../../harness/services.ts';

test('a proxy is name=listen:upstream, listening on loopback only; an upstream elsewhere must be allowed', () => {
  assert.deepEqual(parseProxySpec('db=127.0.0.1:15432:127.0.0.1:5432'), {
    name: 'db',
    listen: '127.0.0.1:15432',
    upstream: '127.0.0.1:5432',
  });
  assert.deepEqual(parseProxySpec('store=16379:localhost:6379'), { name: 'store', listen: '127.0.0.1:16379', upstream: 'localhost:6379' });
  assert.throws(() => parseProxySpec('db=0.0.0.0:15432:127.0.0.1:5432'), /listens on loopback only .*not 0\.0\.0\.0/);
  assert.throws(
    () => parseProxySpec('db=15432:db.internal:5432'),
    /db\.internal is not loopback; if it is your dependency, allow it: --allowed-hosts db\.internal/,
  );
  assert.deepEqual(parseProxySpec('db=15432:db.internal:5432', ['db.internal']).upstream, 'db.internal:5432');
  assert.throws(() => parseProxySpec('DB=1:2:3'), /a proxy's name is lower case/);
  assert.throws(() => parseProxySpec('db=15432'), /expected name=listen:upstream/);
  assert.throws(() => parseProxySpec('db=15432:127.0.0.1:99999'), /127\.0\.0\.1:99999 is not host:port/);
});

test("a run's faults outlive its last word by the lease and no more; a run that ends removes its own at once", async () => {
  const faults = await startFaults({
    proxies: [{ name: 'up', listen: `127.0.0.1:${await freePort()}`, upstream: '127.0.0.1:9' }],
    port: 0,
    leaseMs: 1000,
    log: () => {},
  });
  try {
    const put = (run: string, name: string) =>
      fetch(`${faults.url}/runs/${run}/toxics/up/${name}`, {
        method: 'PUT',
        body: JSON.stringify({ type: 'latency', attributes: { latency: 100 } }),
      });
    assert.equal((await put('a', 'latency')).status, 200);
    assert.equal((await put('b', 'latency')).status, 200);
    assert.deepEqual(faults.runs(), { a: ['up/latency'], b: ['up/latency'] });
    // b ends; a keeps renewing its lease for 1.5 s, then goes silent.
    await fetch(`${faults.url}/runs/b`, { method: 'DELETE' });
    assert.deepEqual(faults.runs(), { a: ['up/latency'] });
    for (let i = 0; i < 6; i++) {
      await fetch(`${faults.url}/runs/a/lease`, { method: 'POST' });
      await sleep(250);
    }
    assert.deepEqual(faults.runs(), { a: ['up/latency'] }, 'renewed: still on');
    await sleep(1500);
    assert.deepEqual(faults.runs(), {}, 'silent past its lease: removed');
    const left = (await (await fetch(`${faults.url}/proxies`)).json()) as Record<string, unknown>;
    assert.ok(left.up, 'the proxy itself stays');
    // Toxiproxy's own refusals come back as they are.
    const bad = await fetch(`${faults.url}/runs/c/toxics/nope/x`, { method: 'PUT', body: JSON.stringify({ type: 'latency' }) });
    assert.equal(bad.status, 404);
    assert.match(await bad.text(), /proxy not found/);
  } finally {
    await faults.stop();
  }
});
