// The connections-held tables are rendered from bench/results/ws-hold.json: held in N of M runs
// asked the same way (engine and its build, hold, ramp), every run listed held or not, older files read too,
// and an engine no longer shipped kept on record but out of the README's table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wsHoldHeldTable, wsHoldRuns, wsHoldRunsTable, type WsHoldResult, type WsHoldRun } from '../../harness/bench-tables.ts';

const result = (held: boolean, over: Partial<WsHoldResult> = {}): WsHoldResult => ({
  connections: 100_000,
  k6Processes: 8,
  targetWorkers: 8,
  held,
  exitCode: held ? 0 : 99,
  established: held ? 100_000 : 99_879,
  unexpectedCloses: 0,
  echoOkRate: 0.9999,
  failureModes: held ? {} : { dial_timeout: 121 },
  rampSeconds: held ? 350 : null,
  peakOpenAtTarget: 100_000,
  k6RssPeakBytes: 0,
  targetRssPeakBytes: 0,
  k6RssPerConnectionBytes: 97_000,
  targetRssPerConnectionBytes: 16_000,
  k6ToTargetRatio: 6.06,
  listenOverflows: held ? 0 : 31_155,
  maxPerWorker: 13_000,
  ...over,
});
const run = (results: WsHoldResult[], over: Partial<WsHoldRun> = {}): WsHoldRun => ({
  k6: 'v2.2.0',
  hold: '60s',
  rampPerSecond: 300,
  mostHeld: 0,
  at: '2026-12-03T12:00:00.000Z',
  results,
  ...over,
});

test('held in N of M counts the runs asked the same way, per engine and count', () => {
  const runs = [
    run([result(false)]),
    run([result(true), result(true)]),
    run([result(true, { k6RssPerConnectionBytes: 18_900 })], { engine: 'xk6', rampPerSecond: 600 }),
    run([result(false)], { engine: 'xk6', engineBuild: 'ca1037d25556', rampPerSecond: 600 }),
    run([result(true)], { engine: 'xk6', engineBuild: 'ca1037d25556', rampPerSecond: 600 }),
  ];
  const table = wsHoldHeldTable(runs, 'docs/');
  assert.match(table, /\| 100,000 \| k6 \(k6\/websockets\) \| 2 of 3 \| 60s, 300\/s \| 94\.7 KiB \|/);
  // Each build of the extension counts apart: a fixed fault does not weigh on the next build.
  assert.match(table, /\| 100,000 \| xk6 \(k6\/x\/floodgate-ws, an earlier build\) \| 1 of 1 \| 60s, 600\/s \| 18\.5 KiB \|/);
  assert.match(table, /\| 100,000 \| xk6 \(k6\/x\/floodgate-ws, build ca1037d25556\) \| 1 of 2 \| 60s, 600\/s \|/);
});

test('an engine no longer shipped stays on record, marked, and out of the table of what a user can run today', () => {
  const retired = { engine: 'xk6', engineBuild: 'ca1037d25556', engineRetired: 'removed (issue 29)', rampPerSecond: 600 };
  const runs = [run([result(true)]), run([result(true)], retired)];
  assert.match(wsHoldHeldTable(runs, ''), /\| xk6 \(k6\/x\/floodgate-ws, build ca1037d25556\), no longer shipped \| 1 of 1 \|/);
  assert.match(wsHoldRunsTable(runs), /\| xk6 \(k6\/x\/floodgate-ws, build ca1037d25556\), no longer shipped \| 100,000 \| held/);
  const today = wsHoldHeldTable(runs, 'docs/', { shippedOnly: true });
  assert.doesNotMatch(today, /xk6/);
  assert.match(today, /\| 100,000 \| k6 \(k6\/websockets\) \| 1 of 1 \|/);
});

test('every run is listed, a failed one with what failed', () => {
  const table = wsHoldRunsTable([run([result(false)])]);
  assert.match(table, /\*\*NOT held\*\* \(exit 99\) \| 99,879 \| 0 \| 99\.99 % \| dial_timeout 121 \| not completed \| 31,155 \|/);
});

test("a held run shows the cores used over the run and while all were held: the keepalive's cost", () => {
  const held = result(true, { cpuSeconds: { k6: 186, target: 191, wall: 245 }, holdCores: { k6: 0.67, target: 0.8, seconds: 47 } });
  assert.match(wsHoldRunsTable([run([held])]), /\| 0\.76 \/ 0\.78; held: 0\.67 \/ 0\.80 \|$/m);
  // Not held through a ramp that never completed: no held figure to show.
  assert.match(wsHoldRunsTable([run([result(false, { holdCores: null })])]), /\| 6\.06 \| {2}\|$/m);
});

test('a file from before runs were kept is read as its one run; no file renders a pointer to the bench', () => {
  const legacy = JSON.stringify({
    k6: 'v2.2.0',
    hold: '60s',
    rampPerSecond: 300,
    mostHeld: 100_000,
    at: '2026-11-01T00:00:00Z',
    results: [result(true)],
  });
  assert.equal(wsHoldRuns(legacy).length, 1);
  assert.deepEqual(wsHoldRuns(''), []);
  assert.match(wsHoldHeldTable([], 'docs/'), /No run recorded yet: `npm run bench:ws`/);
});
