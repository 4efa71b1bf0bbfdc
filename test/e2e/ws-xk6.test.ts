// ws-hold with ENGINE=xk6: the sockets held by the pack's k6 extension (xk6/wshold), in the k6
// built with it. The same plan and the same gates as k6/websockets, both ways: it passes against
// the healthy ws target (split over two k6 processes, as at 100,000), and each gate goes red
// against the fault that drives it red for the default engine (test/e2e/ws-hold.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureK6 } from '../../harness/k6-setup.mjs';
import { k6Env } from '../../harness/k6-env.mjs';
import { startTarget } from '../../harness/target-process.ts';
import { dist, fanout, HEADROOM, k6Values, repoRoot, runK6 } from '../helpers/k6.ts';

const XK6 = { PROFILE: 'smoke', ENGINE: 'xk6' };

type Values = Record<string, number>;

test('ENGINE=xk6, healthy, split over 2 k6 processes: 300 sockets open, pinged and echoed, closed cleanly (exit 0)', async () => {
  const t = await startTarget('ws', ['--workers', '2']);
  try {
    const r = await fanout([
      'ws-hold',
      '--procs',
      '2',
      ...['-e', 'PROFILE=smoke', '-e', 'ENGINE=xk6', '-e', `BASE_URL=${t.url}`, '-e', `THRESHOLDS_FILE=${HEADROOM.THRESHOLDS_FILE}`],
    ]);
    const out = r.stdout + r.stderr;
    const file = /(results\/\S+-fanout)\/ws-hold-merged\.json/.exec(r.stdout);
    assert.ok(file, out);
    try {
      assert.equal(r.code, 0, out);
      const merged = JSON.parse(readFileSync(join(repoRoot, file[0]), 'utf8')) as {
        verdict: string;
        k6: Record<string, { values: Values }>;
      };
      const v = (m: string) => merged.k6[m]!.values;
      assert.equal(merged.verdict, 'pass');
      assert.equal(v('ws_established').passes, 300);
      assert.equal(v('ws_sessions').count, 300);
      assert.equal(v('ws_unexpected_closes').count, 0);
      // Every socket echoes about once a second over the 8 s (fewer for the last opened), every echo checked.
      assert.ok(v('ws_echo_ok').passes! >= 300 * 3, `${v('ws_echo_ok').passes} echoes`);
      assert.equal(v('ws_echo_ok').fails, 0);
      assert.equal(v('ws_echo_rtt').count, v('ws_echo_ok').passes);
      assert.equal(v('ws_msgs_sent').count, v('ws_msgs_received').count);
      assert.ok(v('ws_ping').count! >= 300 * 3, `${v('ws_ping').count} pongs timed`);
      assert.ok(v('ws_send_lag').count! > 0);
      assert.match(out, /ws-hold over 2 k6 processes from 127\.0\.0\.11\.\.127\.0\.0\.12/);
    } finally {
      rmSync(join(repoRoot, file[1]!), { recursive: true });
    }
  } finally {
    await t.stop();
  }
});

test('ENGINE=xk6, degraded: connections cut mid-hold fail the hold (exit 99 on ws_unexpected_closes)', async () => {
  const t = await startTarget('ws', ['--mode', 'degraded', '--workers', '2']);
  try {
    const r = await runK6(dist('ws-hold'), { ...XK6, BASE_URL: t.url });
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.deepEqual(r.report!.failedThresholds, ['ws_unexpected_closes']);
    const cut = k6Values(r, 'ws_unexpected_closes').count!;
    assert.ok(cut >= 3 && cut <= 40, `${cut} of 300 cut at 5 %`);
    // And how they ended, as the sockets read it: the target drops them without a close frame.
    assert.match(r.stderr, /floodgate ws-hold: \d+ connection\(s\) cut before the close: .*(1006|EOF|reset)/);
  } finally {
    await t.stop();
  }
});

test('ENGINE=xk6: echoes 3 s late, still owed at the close, fail the echo gate (exit 99 on ws_echo_ok)', async () => {
  const t = await startTarget('ws', ['--workers', '2', '--echo-delay-ms', '3000']);
  try {
    const r = await runK6(dist('ws-hold'), { ...XK6, BASE_URL: t.url, CONNECTIONS: '100' });
    assert.equal(r.code, 99, r.stdout + r.stderr);
    assert.deepEqual(r.report!.failedThresholds, ['ws_echo_ok']);
  } finally {
    await t.stop();
  }
});

test('ENGINE=xk6: a refused handshake is named (conn_refused) and fails the established gate', async () => {
  const r = await runK6(dist('ws-hold'), {
    ...XK6,
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

test('ENGINE=xk6 on a k6 without the extension: one clear message naming the build to use, nothing run', async () => {
  const r = spawnSync(ensureK6(), ['run', '--quiet', '-e', 'ENGINE=xk6', '-e', 'SKIP_PREFLIGHT=true', dist('ws-hold')], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: k6Env(),
  });
  assert.equal(r.status, 107, r.stderr);
  assert.match(r.stderr, /floodgate: this k6 has no k6\/x\/floodgate-ws\. ENGINE=xk6 needs the k6 built with the pack's extension/);
  assert.match(r.stderr, /npm run k6 -- run -e ENGINE=xk6/);
});
