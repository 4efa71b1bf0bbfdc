// Red/green with real k6 and real WebSockets: ws-hold passes against the healthy ws target (a
// cluster of workers) and exits 99 against its degraded mode (connections cut mid-hold), late
// echoes and a refused handshake. The same test split over two k6 processes (npm run fanout)
// merges into one verdict. Its gates time nothing (established, cut, echoes back), so this file
// runs in a lane beside the unit tests; ws-throughput's timed gates are in ws-throughput.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startTarget } from '../../harness/target-process.ts';
import { dist, fanout, HEADROOM, k6Values, repoRoot, runK6, smokeAgainst } from '../helpers/k6.ts';

/** A smoke run of `scenario` against the ws target in `mode` (two workers). */
const against = (scenario: string, mode: string, env: Record<string, string> = {}) =>
  smokeAgainst(scenario, 'ws', ['--mode', mode, '--workers', '2'], env);

test('ws-hold, healthy: 300 sockets over 6 VUs all open, held with pings and echoes, closed cleanly (exit 0)', async () => {
  const r = await against('ws-hold', 'healthy', HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.equal(k6Values(r, 'ws_established').passes, 300);
  assert.equal(k6Values(r, 'ws_unexpected_closes').count, 0);
  assert.equal(k6Values(r, 'target_ws_open').max, 300, 'the target counted every connection open at once');
  assert.ok(k6Values(r, 'ws_ping').count! >= 300, 'every socket pinged');
  assert.ok(k6Values(r, 'ws_echo_ok').passes! >= 300 * 4, 'every socket echoed about once a second');
});

test('ws-hold, degraded: connections cut mid-hold fail the hold (exit 99 on ws_unexpected_closes)', async () => {
  const r = await against('ws-hold', 'degraded');
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['ws_unexpected_closes']);
  const cut = k6Values(r, 'ws_unexpected_closes').count!;
  assert.ok(cut >= 3 && cut <= 40, `${cut} of 300 cut at 5 %`);
});

test('ws-hold: echoes that come back too late to be seen before the close fail the echo gate (exit 99 on ws_echo_ok)', async () => {
  // 3 s late against a 1 s echo interval, sends stopping 1 s before the close (the quiet: one
  // interval) and a 1 s wait for echoes at the close: each socket's last send is still owed when
  // it closes, one of its six or so.
  const t = await startTarget('ws', ['--workers', '2', '--echo-delay-ms', '3000']);
  try {
    const r = await runK6(dist('ws-hold'), { PROFILE: 'smoke', BASE_URL: t.url, CONNECTIONS: '100' });
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.deepEqual(r.report!.failedThresholds, ['ws_echo_ok']);
  } finally {
    await t.stop();
  }
});

test('ws-hold: a refused handshake is named (conn_refused) and fails the established gate', async () => {
  const r = await runK6(dist('ws-hold'), {
    PROFILE: 'smoke',
    CONNECTIONS: '20',
    SOCKETS_PER_VU: '10',
    HOLD: '1s',
    BASE_URL: 'http://127.0.0.1:9',
    SKIP_PREFLIGHT: 'true',
  });
  assert.equal(r.code, 99, r.stderr);
  assert.ok(r.report!.failedThresholds.includes('ws_established'), r.report!.failedThresholds.join());
  assert.equal(r.report!.failureModes['conn_refused'], 20);
});

test('ws-hold, CONNECTING_PER_VU=1: each VU waits on its handshake before the next, and every socket still opens and is held (exit 0)', async () => {
  const r = await against('ws-hold', 'healthy', { ...HEADROOM, CONNECTING_PER_VU: '1' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(k6Values(r, 'ws_established').passes, 300);
  assert.equal(k6Values(r, 'ws_unexpected_closes').count, 0);
  assert.equal(k6Values(r, 'ws_open_lag').count, 300, 'each open says how late it left');
});

test('ws-hold: handshakes that never end hold a paced ramp back; at twice its length it stops, and the sockets never reached fail the established gate (exit 99)', async () => {
  // Accepts and never answers the upgrade: each VU's one handshake under way never ends.
  const silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  try {
    const r = await runK6(dist('ws-hold'), {
      PROFILE: 'smoke',
      CONNECTIONS: '20',
      SOCKETS_PER_VU: '10',
      CONNECTING_PER_VU: '1',
      RAMP: '1s',
      HOLD: '1s',
      BASE_URL: `http://127.0.0.1:${port}`,
      // Nothing answers HTTP there: no preflight, and the probe reads a port that refuses at once.
      SKIP_PREFLIGHT: 'true',
      PROBE_URL: 'http://127.0.0.1:9/metrics',
    });
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.ok(r.report!.failedThresholds.includes('ws_established'), r.report!.failedThresholds.join());
    // Two VUs each reached one socket of their ten: 18 never tried, and the two stuck handshakes
    // fail too if k6 still delivers their error when maxDuration ends the VUs (it may not).
    const fails = k6Values(r, 'ws_established').fails!;
    assert.ok(fails >= 18 && fails <= 20, `${fails} not established`);
    assert.equal(k6Values(r, 'ws_established').passes, 0);
  } finally {
    silent.close();
  }
});

interface MergedFile {
  verdict: string;
  failedThresholds: string[];
  parts: number[];
  k6: Record<string, { values: Record<string, number> }>;
}

async function fanoutAgainst(
  mode: string,
  extra: string[] = [],
): Promise<{ code: number | null; out: string; merged: MergedFile; dir: string }> {
  const t = await startTarget('ws', ['--mode', mode, '--workers', '2']);
  try {
    const r = await fanout(['ws-hold', '--procs', '2', '-e', 'PROFILE=smoke', '-e', `BASE_URL=${t.url}`, ...extra]);
    const file = /(results\/\S+-fanout)\/ws-hold-merged\.json/.exec(r.stdout);
    assert.ok(file, r.stdout + r.stderr);
    const merged = JSON.parse(readFileSync(join(repoRoot, file[0]), 'utf8')) as MergedFile;
    return { code: r.code, out: r.stdout + r.stderr, merged, dir: join(repoRoot, file[1]!) };
  } finally {
    await t.stop();
  }
}

test('fanout: ws-hold split over 2 k6 processes, each from its own source address, merges into one passing result', async () => {
  const r = await fanoutAgainst('healthy', ['-e', `THRESHOLDS_FILE=${HEADROOM.THRESHOLDS_FILE}`]);
  try {
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.merged.parts, [0, 0]);
    assert.equal(r.merged.verdict, 'pass');
    // The parts' counts add up to the whole test: each held its half of the 300.
    assert.equal(r.merged.k6.ws_established!.values.passes, 300);
    const halves = [1, 2].map((i) => {
      const dir = join(r.dir, `part-${i}`);
      const json = readdirSync(dir).find((f) => f.endsWith('.json'))!;
      return (JSON.parse(readFileSync(join(dir, json), 'utf8')) as MergedFile).k6.ws_established!.values.passes;
    });
    assert.deepEqual(halves, [150, 150]);
    assert.match(r.out, /ws-hold over 2 k6 processes from 127\.0\.0\.11\.\.127\.0\.0\.12/);
    assert.match(r.out, /PASSED: all \d+ thresholds met/);
  } finally {
    rmSync(r.dir, { recursive: true });
  }
});

test('fanout: against the degraded target the merged verdict fails and the exit code is 99, naming the gate', async () => {
  const r = await fanoutAgainst('degraded');
  try {
    assert.equal(r.code, 99, r.out);
    assert.equal(r.merged.verdict, 'fail');
    assert.deepEqual(r.merged.failedThresholds, ['ws_unexpected_closes']);
    assert.ok(r.merged.k6.ws_unexpected_closes!.values.count! >= 3);
    assert.match(r.out, /✗ ws_unexpected_closes/);
  } finally {
    rmSync(r.dir, { recursive: true });
  }
});

test('fanout: bad arguments say what is allowed, and nothing runs', async () => {
  const r = await fanout(['ws-hold', '--procs', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--procs 0: expected a whole number from 1 to 64/);
  assert.match(r.stderr, /usage: npm run fanout -- <scenario> --procs N/);
});
