// The summary shows each threshold ✓/✗ with its value, the failure modes with counts, and
// writes JSON and JUnit files CI systems can read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluate,
  fileStamp,
  linkFrom,
  renderJUnit,
  renderText,
  reportOnlyKey,
  summaryOutputs,
  type ReportContext,
  type SummaryData,
} from '../../lib/summary.ts';

// Shaped like k6 v2.2.0's handleSummary data for an echo run against the degraded target.
const data: SummaryData = {
  state: { testRunDurationMs: 7000, isStdOutTTY: false },
  metrics: {
    http_reqs: { type: 'counter', contains: 'default', values: { count: 226, rate: 32.3 } },
    'http_req_duration{scenario:echo}': {
      type: 'trend',
      contains: 'time',
      values: { avg: 201, med: 201.3, 'p(95)': 202.3, 'p(99)': 202.8, min: 200.1, max: 210 },
      thresholds: { 'p(95)<50': { ok: false }, 'p(99)<100': { ok: false } },
    },
    'http_req_failed{scenario:echo}': {
      type: 'rate',
      contains: 'default',
      values: { rate: 0.02 },
      thresholds: { 'rate<0.01': { ok: false } },
    },
    'checks{scenario:echo}': { type: 'rate', contains: 'default', values: { rate: 1 }, thresholds: { 'rate>0.99': { ok: true } } },
    'failed_requests{failure_mode:conn_reset}': {
      type: 'counter',
      contains: 'default',
      values: { count: 4, rate: 0.5 },
      thresholds: { 'count>=0': { ok: true } },
    },
    'failed_requests{failure_mode:emfile}': {
      type: 'counter',
      contains: 'default',
      values: { count: 0, rate: 0 },
      thresholds: { 'count>=0': { ok: true } },
    },
    'http_reqs{scenario:reuse}': {
      type: 'counter',
      contains: 'default',
      values: { count: 100, rate: 10 },
      thresholds: { 'count>=0': { ok: true } },
    },
    'http_reqs{scenario:fresh}': {
      type: 'counter',
      contains: 'default',
      values: { count: 50, rate: 5 },
      thresholds: { 'count>=0': { ok: true } },
    },
    time_to_first_503_seconds: { type: 'trend', contains: 'default', values: { min: 2.5, max: 4, count: 12 } },
  },
};

const ctx: ReportContext = {
  scenario: 'echo',
  profile: 'smoke',
  baseUrl: 'http://127.0.0.1:8081',
  resultsDir: 'results/',
  reportOnly: new Set([
    reportOnlyKey('failed_requests{failure_mode:conn_reset}', 'count>=0'),
    reportOnlyKey('failed_requests{failure_mode:emfile}', 'count>=0'),
    reportOnlyKey('http_reqs{scenario:reuse}', 'count>=0'),
    reportOnlyKey('http_reqs{scenario:fresh}', 'count>=0'),
  ]),
  figures: [{ label: 'first 503 after', metric: 'time_to_first_503_seconds', stat: 'min' }],
  comparisons: [
    {
      title: 'reuse vs fresh',
      tag: 'scenario',
      columns: { reuse: 10, fresh: 10 },
      rows: [{ label: 'requests/s', metric: 'http_reqs', stat: 'count', perSecond: true }],
    },
  ],
};

test('the verdict fails and names each crossed threshold; report-only thresholds are not gates', () => {
  const r = evaluate(data, ctx);
  assert.equal(r.verdict, 'fail');
  assert.deepEqual(r.failedThresholds, ['http_req_duration{scenario:echo}', 'http_req_failed{scenario:echo}']);
  assert.equal(r.thresholds.length, 4);
  assert.ok(r.thresholds.every((t) => !t.metric.startsWith('failed_requests')));
  const p95 = r.thresholds.find((t) => t.expression === 'p(95)<50');
  assert.equal(p95?.observed, 202.3);
});

test('a Rate that got no samples shows "no samples", and a per-limit counter shows multiples of the limit', () => {
  const r = evaluate(
    {
      state: { testRunDurationMs: 1000 },
      metrics: {
        over_limit_refusals_well_formed: {
          type: 'rate',
          contains: 'default',
          values: { rate: 0, passes: 0, fails: 0 },
          thresholds: { 'rate==1': { ok: true } },
        },
        over_limit_admitted_per_limit: {
          type: 'counter',
          contains: 'default',
          values: { count: 11, rate: 1.1 },
          thresholds: { 'rate<1.25': { ok: true } },
        },
      },
    },
    { ...ctx, comparisons: [], figures: [] },
  );
  const text = renderText(r, [], false);
  assert.match(text, /over_limit_refusals_well_formed\s+rate==1\s+rate=no samples/);
  assert.match(text, /over_limit_admitted_per_limit\s+rate<1.25\s+rate=1.10x the limit/);
});

test('failure modes are counted by name, zero where none happened', () => {
  const r = evaluate(data, ctx);
  assert.equal(r.failureModes.conn_reset, 4);
  assert.equal(r.failureModes.emfile, 0);
  assert.equal(r.failureModes.request_timeout, 0);
});

test('comparisons divide counts by each column’s own duration', () => {
  const [c] = evaluate(data, ctx).comparisons;
  assert.deepEqual(c?.rows[0]?.values, [10, 5]);
});

test('stdout shows ✓/✗ with the observed value, the failure modes and the result files', () => {
  const out = summaryOutputs(data, ctx, new Date('2026-11-23T09:22:54.123Z'));
  const text = out.stdout!;
  assert.match(text, /✗ http_req_duration\{scenario:echo\}\s+p\(95\)<50\s+p\(95\)=202\.3ms/);
  assert.match(text, /✓ checks\{scenario:echo\}\s+rate>0\.99\s+rate=100\.00%/);
  assert.match(text, /conn_reset\s+4/);
  assert.match(text, /Figures\n {2}first 503 after {2}2\.500/);
  assert.match(text, /FAILED: 3 of 4 thresholds crossed \(k6 exits 99\)/);
  assert.deepEqual(Object.keys(out).sort(), [
    'results/echo-2026-11-23T09-22-54Z.html',
    'results/echo-2026-11-23T09-22-54Z.json',
    'results/echo-2026-11-23T09-22-54Z.xml',
    'stdout',
  ]);
  const json = JSON.parse(out['results/echo-2026-11-23T09-22-54Z.json']!);
  assert.equal(json.verdict, 'fail');
  assert.ok(json.k6['http_reqs']);
});

test("the verdict page: the verdict, a row per gate drawn as met or crossed, the figures, and k6's charts linked beside it", () => {
  const out = summaryOutputs(data, { ...ctx, dashboard: 'results/echo-report.html' }, new Date('2026-11-23T09:22:54.123Z'));
  const html = out['results/echo-2026-11-23T09-22-54Z.html']!;
  assert.match(html, /<div class="verdict fail" data-verdict="fail">FAILED: 3 of 4 thresholds crossed \(k6 exits 99\)<\/div>/);
  assert.equal(html.match(/<tr class="gate fail"/g)?.length, 3);
  assert.equal(html.match(/<tr class="gate pass"/g)?.length, 1);
  assert.match(
    html,
    /<code>http_req_duration\{scenario:echo\}<\/code><\/td><td><code>p\(95\)&lt;50<\/code><\/td><td class="num">p\(95\)=202\.3ms<\/td><td class="result">CROSSED/,
  );
  assert.match(html, /<th>first 503 after<\/th><td class="num">2\.500<\/td>/);
  assert.match(html, /<a class="dashboard" href="echo-report\.html">/, 'linked from the page, which sits beside it');
  assert.doesNotMatch(html, /<script|src=|@import|url\(/, 'nothing the page asks for leaves the file');
});

test('a link from a page: relative when under its directory, else as given', () => {
  assert.equal(linkFrom('results', 'results/a.html'), 'a.html');
  assert.equal(linkFrom('./results/', './results/a.html'), 'a.html');
  assert.equal(linkFrom('/tmp/r', '/tmp/r/a.html'), 'a.html');
  assert.equal(linkFrom('results', 'elsewhere/a.html'), 'elsewhere/a.html');
  assert.equal(linkFrom('.', 'a.html'), 'a.html');
});

test('JUnit has one test case per threshold and a failure element for each crossed one', () => {
  const xml = renderJUnit(evaluate(data, ctx));
  assert.match(xml, /<testsuite name="floodgate.echo" tests="4" failures="3"/);
  assert.equal(xml.match(/<testcase /g)?.length, 4);
  assert.equal(xml.match(/<failure /g)?.length, 3);
  assert.match(xml, /name="http_req_duration\{scenario:echo\} p\(95\)&lt;50"/);
});

test('file stamps sort and contain no colons', () => {
  assert.equal(fileStamp(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03-04-05Z');
});

test('a gate whose samples are missing fails as not measured, with why; its companion rule is not listed', () => {
  const r = evaluate(
    {
      state: { testRunDurationMs: 1000 },
      metrics: {
        'target_breaker_state{phase:recovered}': {
          type: 'trend',
          contains: 'default',
          values: { max: 0, count: 0 },
          thresholds: { 'max<1': { ok: true } },
        },
        'target_readings{metric:target_breaker_state,phase:recovered}': {
          type: 'counter',
          contains: 'default',
          values: { count: 0, rate: 0 },
          thresholds: { 'count>=1': { ok: false } },
        },
        target_inflight: { type: 'trend', contains: 'default', values: { max: 90, count: 20 }, thresholds: { 'max<120': { ok: true } } },
        'target_readings{metric:target_inflight}': {
          type: 'counter',
          contains: 'default',
          values: { count: 20, rate: 1 },
          thresholds: { 'count>=1': { ok: true } },
        },
      },
    },
    {
      ...ctx,
      reportOnly: new Set(),
      figures: [],
      comparisons: [],
      unmeasuredHints: { target_breaker_state: 'PROBE_METRICS maps nothing to target_breaker_state' },
      notGated: [{ metric: 'outage_failure_duration', expression: 'p(95)<100', why: 'OUTAGE_MODE=none' }],
    },
  );
  assert.equal(r.verdict, 'fail');
  assert.deepEqual(r.failedThresholds, ['target_breaker_state{phase:recovered}']);
  assert.deepEqual(r.notMeasured, ['target_breaker_state{phase:recovered}']);
  assert.deepEqual(
    r.thresholds.map((t) => t.metric),
    ['target_breaker_state{phase:recovered}', 'target_inflight'],
  );
  const text = renderText(r, [], false);
  assert.match(text, /✗ target_breaker_state\{phase:recovered\}\s+max<1\s+not measured: PROBE_METRICS maps nothing/);
  assert.match(text, /-e UNMEASURED=target_breaker_state/);
  assert.match(text, /Not gated in this run\n\s+- outage_failure_duration\s+p\(95\)<100\s+OUTAGE_MODE=none/);
  assert.match(text, /FAILED: 1 of 2 thresholds crossed \(1 not measured\)/);
  const xml = renderJUnit(r);
  assert.match(xml, /type="not-measured"/);
  assert.match(xml, /<skipped message="OUTAGE_MODE=none"\/>/);
  assert.match(xml, /tests="3" failures="1" skipped="1"/);
});

test('a comparison row may be a sub-metric (the column joins its filter); a column with no samples shows none, not zeros', () => {
  const staged: SummaryData = {
    ...data,
    metrics: {
      'http_req_duration{scenario:load,stage:100}': { type: 'trend', contains: 'time', values: { count: 9, 'p(99)': 12 } },
      'http_req_duration{scenario:load,stage:250}': { type: 'trend', contains: 'time', values: { count: 0, 'p(99)': 0 } },
    },
  };
  const [c] = evaluate(staged, {
    ...ctx,
    comparisons: [
      {
        title: 'By stage',
        tag: 'stage',
        columns: { 100: 10, 250: 10 },
        rows: [{ label: 'p99', metric: 'http_req_duration{scenario:load}', stat: 'p(99)' }],
      },
    ],
  }).comparisons;
  assert.deepEqual(c?.rows[0], { label: 'p99', unit: 'ms', values: [12, null] });
});
