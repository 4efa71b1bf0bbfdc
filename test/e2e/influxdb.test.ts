// k6's InfluxDB output into a real InfluxDB 1.x (Debian's, private port and data dir): the
// measurements and tags the dashboards will query arrive; and with InfluxDB down, or going away
// mid-run, a run still completes, its thresholds still decide the exit code and its summary files are written.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dropSchema, ensurePostgres, influxQuery, influxSeries, startInfluxDB, startRedis, type Service } from '../../harness/services.ts';
import { startTarget, type TargetProcess } from '../../harness/target-process.ts';
import { eventually } from '../helpers/eventually.ts';
import { dist, HEADROOM, runK6 } from '../helpers/k6.ts';

let influx: Service;
let capped: TargetProcess;
before(async () => {
  [influx, capped] = await Promise.all([startInfluxDB(), startTarget('echo', ['--max-connections', '2', '--delay-ms', '50'])]);
});
after(async () => {
  await Promise.all([influx.stop(), capped.stop()]);
});

test('a smoke run streams its metrics, tagged by scenario and failure mode, into InfluxDB', async () => {
  const r = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: capped.url, STAGES: '3s:10' }, ['--out', `influxdb=${influx.url}/k6`]);
  assert.equal(r.code, 99, 'the capped target fails the run, which is what gives failure modes to store');
  const measurements = (await influxQuery(influx.url, 'k6', 'SHOW MEASUREMENTS')).map((row) => row[0]);
  for (const m of ['http_reqs', 'http_req_duration', 'http_req_failed', 'failed_requests', 'checks', 'vus'])
    assert.ok(measurements.includes(m), `${m} in ${measurements}`);
  const [[, requests]] = (await influxQuery(influx.url, 'k6', `SELECT count("value") FROM "http_reqs" WHERE "scenario" = 'echo'`)) as [
    unknown,
    number,
  ][];
  assert.ok(requests! >= r.report!.requests.count - 1, `${requests} requests stored, ${r.report!.requests.count} made`);
  const modes = (await influxQuery(influx.url, 'k6', `SHOW TAG VALUES FROM "failed_requests" WITH KEY = "failure_mode"`)).map(
    (row) => row[1],
  );
  assert.ok(modes.includes('conn_reset'), `failure modes stored: ${modes}`);
});

test('with InfluxDB down the run completes, its thresholds decide the exit code and its summary is written', async () => {
  const healthy = await startTarget('echo');
  try {
    const ok = await runK6(dist('echo'), { ...HEADROOM, PROFILE: 'smoke', BASE_URL: healthy.url, STAGES: '2s:5' }, [
      '--out',
      'influxdb=http://127.0.0.1:1/k6',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /Couldn't write stats/);
    assert.equal(ok.report?.verdict, 'pass');
    const bad = await runK6(dist('echo'), { PROFILE: 'smoke', BASE_URL: capped.url, STAGES: '2s:10' }, [
      '--out',
      'influxdb=http://127.0.0.1:1/k6',
    ]);
    assert.equal(bad.code, 99);
    assert.deepEqual(
      readdirSync(bad.resultsDir)
        .map((f) => f.replace(/^.*\./, ''))
        .sort(),
      ['html', 'json', 'xml'],
    );
  } finally {
    await healthy.stop();
  }
});

test('with InfluxDB going away during a run, the run completes, keeps its verdict and writes its summary; what came before is stored', async () => {
  const healthy = await startTarget('echo');
  const leaving = await startInfluxDB();
  try {
    const running = runK6(dist('echo'), { ...HEADROOM, PROFILE: 'smoke', BASE_URL: healthy.url, STAGES: '6s:5' }, [
      '--out',
      `influxdb=${leaving.url}/k6`,
    ]);
    // Until k6 has created its database the query errors: nothing stored yet.
    const count = () =>
      influxQuery(leaving.url, 'k6', 'SELECT count("value") FROM "http_reqs"').then(
        (rows) => Number(rows[0]?.[1] ?? 0),
        () => 0,
      );
    const stored = await eventually('requests stored while InfluxDB is up', count, (n) => n > 0);
    await leaving.stop();
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Couldn't write stats/);
    assert.equal(r.report?.verdict, 'pass');
    assert.ok(r.report!.requests.count > stored, 'the run went on after InfluxDB left');
    assert.deepEqual(
      readdirSync(r.resultsDir)
        .map((f) => f.replace(/^.*\./, ''))
        .sort(),
      ['html', 'json', 'xml'],
    );
  } finally {
    await Promise.all([healthy.stop(), leaving.stop()]);
  }
});

/**
 * A panel query as Grafana would send it, for the last hour, each template variable at All
 * unless `picked` gives its values (a multi-value pick goes into a regex as Grafana puts it, `(a|b)`).
 */
function asGrafanaSends(query: string, picked: Record<string, string[]> = {}): string {
  return query
    .replace(/\$timeFilter/g, 'time > now() - 1h')
    .replace(/\$__interval_ms/g, '1000')
    .replace(/\$__interval/g, '1s')
    .replace(/\$(\w+)/g, (_, name: string) => (picked[name] ? `(${picked[name].join('|')})` : '.*'));
}

type Dashboard = {
  panels: { title: string; targets?: { query: string }[] }[];
  templating: { list: { name: string; query: string }[] };
};
const overview = () => JSON.parse(readFileSync(new URL('../../grafana/dashboards/overview.json', import.meta.url), 'utf8')) as Dashboard;

/** A short run of `scenario` against a fresh `target`, streaming into the test's InfluxDB. */
async function streamed(
  scenario: string,
  target: string,
  targetArgs: string[],
  env: Record<string, string>,
  k6Args: string[] = [],
): Promise<void> {
  const t = await startTarget(target, targetArgs);
  try {
    const r = await runK6(dist(scenario), { PROFILE: 'smoke', BASE_URL: t.url, ...env }, [
      '--out',
      `influxdb=${influx.url}/k6`,
      '--tag',
      `testid=dash-${scenario}`,
      ...k6Args,
    ]);
    assert.ok(r.code === 0 || r.code === 99, `${scenario}: ${r.stderr.slice(-500)}`);
  } finally {
    await t.stop();
  }
}

test('every panel query of every dashboard returns data, once each scenario has streamed a short run', async () => {
  const schema = `floodgate_dash_${process.pid}`;
  const pg = await ensurePostgres();
  // Two lanes side by side: this test asks only that every series gets data, not how fast
  // anything was, and one lane at a time was the longest test of the suite.
  const withoutStores = async () => {
    await streamed('keep-alive', 'echo', [], { STAGES: '1s:3,2s:3' });
    await streamed('burst', 'burst', [], { USERS: '10', DURATION: '4s' });
    await streamed('slow-upstream', 'slow-upstream', ['--upstream-min-ms', '200', '--upstream-max-ms', '300'], {
      USERS: '5',
      DURATION: '10s',
      OUTAGE_AT: '3s',
      OUTAGE_FOR: '2s',
      RECOVERY: '2s',
    });
    await streamed('ws-throughput', 'ws', ['--workers', '2'], {
      CONNECTIONS: '200',
      SOCKETS_PER_VU: '50',
      RATE: '400',
      RAMP: '1s',
      DURATION: '3s',
    });
    await streamed('ws-hold', 'ws', ['--workers', '2'], { CONNECTIONS: '50', SOCKETS_PER_VU: '25', RAMP: '1s', HOLD: '3s' });
    // Two stages of a few clients, long enough for the probe's CPU share (two scrapes a stage).
    await streamed('breaking-point', 'capacity', [], { STAGES: '3s:5,3s:10', HEALTHY_UP_TO: '10' });
    await streamed('lb-strategies', 'lb-strategies', [], { STRATEGY: 'least_conn', STRATEGIES: 'least_conn', USERS: '20', DURATION: '3s' });
  };
  const withStores = async () => {
    // Naive: the JWKS and origin series move, and the attacker gets its 401s.
    await streamed('auth-flood', 'auth-flood', ['--mode', 'naive'], { DURATION: '4s', ATTACK_RATE: '100' }, [
      '--local-ips',
      '127.0.0.9-127.0.0.29',
    ]);
    const redis = await startRedis();
    try {
      await streamed('kv-writes', 'kv-writes', ['--redis-url', redis.url], { USERS: '10', DURATION: '7s' });
      await streamed(
        'cache-stampede',
        'cache-stampede',
        ['--redis-url', redis.url, '--database-url', pg, '--schema', schema, '--key-prefix', schema],
        { RATE: '100', DURATION: '6s' },
      );
      await streamed(
        'queue-offload',
        'queue-offload',
        ['--redis-url', redis.url, '--database-url', pg, '--schema', schema, '--key-prefix', `${schema}_queue`],
        { RATE: '150', DRAIN_WITHIN: '3s', SETTLE_FOR: '1s' },
      );
    } finally {
      await redis.stop();
    }
    await streamed('db-pool', 'db-pool', ['--schema', schema, '--pool-size', '5', '--hold-ms', '500'], {
      OVERLOAD_STAGES: '1s:40,3s:40',
      RECOVERY_FOR: '4s',
    });
  };
  try {
    // Settled, not all: a lane that fails must not drop the schema under the other lane's runs.
    const lanes = await Promise.allSettled([withoutStores(), withStores()]);
    for (const lane of lanes) if (lane.status === 'rejected') throw lane.reason;
  } finally {
    await dropSchema(pg, schema);
  }
  const dir = new URL('../../grafana/dashboards/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 0);
  let queries = 0;
  for (const file of files) {
    const dash = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Dashboard;
    for (const v of dash.templating.list) {
      assert.ok((await influxQuery(influx.url, 'k6', v.query)).length > 0, `${file}: variable ${v.name} has values`);
    }
    for (const p of dash.panels) {
      for (const t of p.targets ?? []) {
        const rows = await influxQuery(influx.url, 'k6', asGrafanaSends(t.query));
        assert.ok(
          rows.some((r) => r.slice(1).some((v) => v !== null)),
          `${file}: panel "${p.title}" has data for ${t.query}`,
        );
        queries++;
      }
    }
  }
  assert.ok(queries >= 20, `${queries} queries checked`);
});

test('the testid variable picks one run, or two side by side: each series is one run, its requests as many as that run made', async () => {
  const t = await startTarget('echo');
  const runs: Record<string, number> = {};
  try {
    for (const [id, stages] of [
      [`pick-a-${process.pid}`, '2s:2'],
      [`pick-b-${process.pid}`, '2s:6'],
    ] as const) {
      const r = await runK6(dist('echo'), { ...HEADROOM, PROFILE: 'smoke', BASE_URL: t.url, STAGES: stages }, [
        '--out',
        `influxdb=${influx.url}/k6`,
        '--tag',
        `testid=${id}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.report!.provenance!.testid, id);
      runs[id] = r.report!.requests.count;
    }
  } finally {
    await t.stop();
  }
  const ids = Object.keys(runs);
  const dash = overview();
  const variable = dash.templating.list.find((v) => v.name === 'testid')!;
  // A series per measurement, as Grafana reads them: every value of every one is offered.
  const offered = (await influxSeries(influx.url, 'k6', variable.query)).flatMap((series) => series.values.map((row) => row[1]));
  for (const id of ids) assert.ok(offered.includes(id), `${id} offered in ${offered}`);
  const panel = dash.panels.find((p) => p.title === 'Requests per second')!;
  const total = (values: unknown[][]) => values.reduce((n, v) => n + Number(v[1] ?? 0), 0);
  // Requests per run, over every series of the answer (a run's series are one per scenario tag).
  const perRun = (series: { tags: Record<string, string>; values: unknown[][] }[]) => {
    const out: Record<string, number> = {};
    for (const s of series) out[s.tags.testid!] = (out[s.tags.testid!] ?? 0) + total(s.values);
    return out;
  };
  const query = panel.targets![0]!.query;
  // One run picked: only its samples, all of them.
  assert.deepEqual(perRun(await influxSeries(influx.url, 'k6', asGrafanaSends(query, { testid: [ids[0]!] }))), {
    [ids[0]!]: runs[ids[0]!],
  });
  // Two picked: their series side by side, each run with its own requests.
  assert.deepEqual(perRun(await influxSeries(influx.url, 'k6', asGrafanaSends(query, { testid: ids }))), runs);
  // At All, runs streamed without a testid (this file's first ones) are shown too, as a series with none.
  const all = perRun(await influxSeries(influx.url, 'k6', asGrafanaSends(query)));
  assert.ok((all[''] ?? 0) > 0, `untagged requests at All: ${JSON.stringify(all)}`);
  assert.notEqual(runs[ids[0]!], runs[ids[1]!], 'the two runs differ, so a mixed-up pick would show');
});
