// The ws target as a process: a cluster of workers sharing one port, echo, metrics summed over
// the workers, heartbeat, malformed frames, the degraded mode, and 1001 to every client on SIGTERM.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { eventually } from '../helpers/eventually.ts';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';

let healthy: TargetProcess;
before(async () => {
  // Round robin here, so every worker gets some; the e2e tests run the default (kernel).
  healthy = await startTarget('ws', ['--workers', '3', '--balance', 'round-robin']);
});
after(async () => {
  await healthy.stop();
});

const wsUrl = (t: TargetProcess) => t.url.replace(/^http/, 'ws') + '/ws';

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

test('echoes text and binary messages', async () => {
  const ws = await open(wsUrl(healthy));
  const got = new Promise<[string, boolean]>((resolve) => ws.once('message', (d, binary) => resolve([d.toString(), binary])));
  ws.send('hello, flood');
  assert.deepEqual(await got, ['hello, flood', false]);
  const bin = new Promise<[Buffer, boolean]>((resolve) => ws.once('message', (d, binary) => resolve([d as Buffer, binary])));
  ws.send(Buffer.from([1, 2, 3]));
  assert.deepEqual(await bin, [Buffer.from([1, 2, 3]), true]);
  ws.close(1000);
  await closed(ws);
});

test('connections spread over the workers, and /metrics sums them (open connections, messages, RSS per worker and in all)', async () => {
  const sockets = await Promise.all(Array.from({ length: 30 }, () => open(wsUrl(healthy))));
  await Promise.all(sockets.map((ws) => new Promise((resolve) => (ws.once('message', resolve), ws.send('x')))));
  assert.equal(await healthy.metric('ws_open_connections'), 30);
  const text = await (await fetch(`${healthy.url}/metrics`)).text();
  const openPerWorker = [...text.matchAll(/^ws_open_connections\{worker="(\d+)"[^}]*\} (\d+)/gm)].map((m) => Number(m[2]));
  assert.equal(openPerWorker.length, 3);
  // Node's round robin hands a connection to the next idle worker: near, not exactly, a third each.
  assert.ok(
    openPerWorker.every((n) => n >= 3),
    `each worker holds some: ${openPerWorker}`,
  );
  const perWorker = [...text.matchAll(/^ws_worker_rss_bytes\{worker="(\d+)"[^}]*\} (\d+)/gm)];
  assert.deepEqual(perWorker.map((m) => m[1]).sort(), ['0', '1', '2'], 'one RSS line per worker');
  const total = await healthy.metric('ws_rss_bytes');
  const sum = perWorker.reduce((s, m) => s + Number(m[2]), 0);
  assert.ok(Math.abs(total - sum) / sum < 0.2, `total ${total} is about the sum of the workers' ${sum}`);
  assert.ok((await healthy.metric('ws_messages_received_total')) >= 30);
  await Promise.all(sockets.map((ws) => (ws.close(1000), closed(ws))));
  await eventually(
    'open connections after the closes',
    () => healthy.metric('ws_open_connections'),
    (n) => n === 0,
  );
  await eventually(
    'client closes counted',
    () => healthy.metric('ws_closed_connections_total', { reason: 'client' }),
    (n) => n >= 30,
  );
});

test('a malformed frame ends that connection with 1002 and nothing else: the worker goes on serving', async () => {
  const { hostname: host, port } = new URL(healthy.url);
  const sock = connect({ host, port: Number(port) });
  await new Promise((r) => sock.once('connect', r));
  sock.write(
    `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let received = Buffer.alloc(0);
  sock.on('data', (d) => (received = Buffer.concat([received, d])));
  await eventually(
    'the 101 answer',
    () => received.toString(),
    (s) => s.includes('\r\n\r\n'),
  );
  assert.match(received.toString(), /^HTTP\/1\.1 101/);
  received = Buffer.alloc(0);
  // An unmasked client frame with a reserved opcode: two protocol errors at once.
  sock.write(Buffer.from([0x83, 0x02, 0x41, 0x42]));
  await new Promise((r) => sock.once('close', r));
  // The server's close frame: opcode 8, then the status code 1002 (protocol error).
  assert.equal(received[0], 0x88);
  assert.equal(received.readUInt16BE(2), 1002);
  // The client sees the close before the worker's metric is scraped: wait for the count, not a time.
  await eventually(
    'protocol-error closes counted',
    () => healthy.metric('ws_closed_connections_total', { reason: 'error' }),
    (n) => n >= 1,
  );
  const ws = await open(wsUrl(healthy));
  ws.close(1000);
  await closed(ws);
});

test('plain HTTP on the WebSocket path gets 426 saying how to connect', async () => {
  const res = await fetch(`${healthy.url}/ws`);
  assert.equal(res.status, 426);
  assert.match(await res.text(), /WebSocket endpoint: connect with ws:\/\//);
});

test('the heartbeat cuts a client that stops answering pings', async () => {
  const t = await startTarget('ws', ['--workers', '1', '--heartbeat-ms', '200']);
  try {
    // autoPong off: this client never answers the server's pings, as a dead peer would not.
    const ws = new WebSocket(wsUrl(t), { autoPong: false });
    await new Promise((r) => ws.once('open', r));
    const { code } = await closed(ws);
    assert.equal(code, 1006, 'terminated, no close frame');
    await eventually(
      'heartbeat cuts counted',
      () => t.metric('ws_closed_connections_total', { reason: 'heartbeat' }),
      (n) => n === 1,
    );
    const live = await open(wsUrl(t)); // answers pings: still open after several heartbeats
    await sleep(700);
    assert.equal(live.readyState, WebSocket.OPEN);
    live.close(1000);
    await closed(live);
  } finally {
    await t.stop();
  }
});

test('degraded: drops a share of connections without a close frame, echoes late, holds memory per connection', async () => {
  const t = await startTarget('ws', ['--mode', 'degraded', '--workers', '2', '--drop-permille', '500', '--drop-after-ms', '300']);
  try {
    const base = await t.metric('ws_rss_bytes');
    const sockets = await Promise.all(Array.from({ length: 40 }, () => open(wsUrl(t))));
    const codes = sockets.map((ws) => closed(ws).then((c) => c.code));
    const started = performance.now();
    await new Promise((r) => (sockets[0]!.once('message', r), sockets[0]!.send('late?')));
    assert.ok(performance.now() - started >= 20, 'the echo is 25 ms late');
    const grown = (await t.metric('ws_rss_bytes')) - base;
    // 256 KB held per connection: half of it is far past what 40 healthy sockets grow.
    assert.ok(grown > 40 * 256 * 1024 * 0.5, `RSS grew by ${grown} bytes for 40 connections`);
    // Past --drop-after-ms every drop is done: then close the rest and compare both views.
    await sleep(600);
    for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    const cut = (await Promise.all(codes)).filter((c) => c === 1006).length;
    assert.ok(cut >= 8 && cut <= 32, `${cut} of 40 dropped at 50%`);
    await eventually(
      'drops counted by the target',
      () => t.metric('ws_closed_connections_total', { reason: 'dropped' }),
      (n) => n === cut,
    );
  } finally {
    await t.stop();
  }
});

test('SIGTERM: every client gets a 1001 close, then the target exits 0', async () => {
  const t = await startTarget('ws', ['--workers', '2']);
  const sockets = await Promise.all(Array.from({ length: 20 }, () => open(wsUrl(t))));
  const codes = Promise.all(sockets.map((ws) => closed(ws)));
  const { code } = await t.stop();
  assert.equal(code, 0, t.output());
  for (const c of await codes) assert.deepEqual(c, { code: 1001, reason: 'server shutting down' });
});

test('a port in use is named as such, and no worker is left behind', async () => {
  const port = new URL(healthy.url).port;
  await assert.rejects(startTarget('ws', ['--workers', '2', '--port', port]), /cannot start ws: port \d+ is in use/);
});

test('bad flags say what is allowed', async () => {
  await assert.rejects(startTarget('ws', ['--workers', '0']), /--workers 0: expected 1 to 64/);
});
