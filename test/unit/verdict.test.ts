// The verdict over raw samples: k6's own percentile method, k6's stats per metric type, and the
// gates judged as one k6 run judges them (a Rate or Trend with no samples fails; a Counter
// with none reads 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meets, percentile, statsOf, summaryFrom, type Point } from '../../lib/verdict.ts';
import { metricType } from '../../lib/metric-types.ts';

const pts = (...vs: number[]): Point[] => vs.map((v, i) => ({ t: 1000 + i, v }));

test("percentiles are k6's: linear between the closest ranks of the sorted values", () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(sorted, 0.5), 5.5);
  assert.ok(Math.abs(percentile(sorted, 0.95) - 9.55) < 1e-9);
  assert.ok(Math.abs(percentile(sorted, 0.9) - 9.1) < 1e-9);
  assert.equal(percentile([7], 0.99), 7);
  assert.equal(percentile([], 0.99), 0);
});

test('each metric type gets the values k6 gives it', () => {
  assert.deepEqual(statsOf('counter', pts(1, 1, 3), 10), { count: 5, rate: 0.5 });
  assert.deepEqual(statsOf('rate', pts(1, 0, 0, 1), 10), { passes: 2, fails: 2, rate: 0.5 });
  assert.deepEqual(
    statsOf(
      'gauge',
      [
        { t: 2, v: 5 },
        { t: 9, v: 3 },
        { t: 4, v: 8 },
      ],
      10,
    ),
    { value: 3, min: 3, max: 8 },
  );
  const trend = statsOf('trend', pts(4, 1, 3, 2), 10, [75]);
  assert.equal(trend.count, 4);
  assert.equal(trend.avg, 2.5);
  assert.equal(trend.med, 2.5);
  assert.equal(trend['p(75)'], 3.25);
  assert.ok(Math.abs(trend['p(95)']! - 3.85) < 1e-9);
});

test('expressions compare as k6 does; a stat the values lack does not pass', () => {
  assert.equal(meets({ 'p(95)': 99 }, 'p(95)<100'), true);
  assert.equal(meets({ 'p(95)': 100 }, 'p(95)<100'), false);
  assert.equal(meets({ rate: 0 }, 'rate==0'), true);
  assert.equal(meets({ count: 1 }, 'p(99)<100'), false);
});

test('gates over all points: a Counter with none reads 0, a Rate or Trend with none fails unless accepted', () => {
  const thresholds = {
    writes_lost: ['count<1'],
    'http_req_duration{scenario:echo}': ['p(95)<100'],
    http_req_failed: ['rate<0.01'],
    target_inflight: ['max<10'],
  };
  const data = summaryFrom(
    thresholds,
    {
      writes_lost: { type: 'counter', points: [] },
      'http_req_duration{scenario:echo}': { type: 'trend', points: pts(10, 20, 500) },
      http_req_failed: { type: 'rate', points: [] },
      target_inflight: { type: 'trend', points: [] },
    },
    30,
    ['target_inflight'],
  );
  assert.equal(data.metrics.writes_lost!.thresholds!['count<1']!.ok, true);
  assert.equal(data.metrics['http_req_duration{scenario:echo}']!.thresholds!['p(95)<100']!.ok, false);
  assert.equal(data.metrics['http_req_duration{scenario:echo}']!.contains, 'time');
  assert.equal(data.metrics.http_req_failed!.thresholds!['rate<0.01']!.ok, false, 'no samples is not a pass');
  assert.equal(data.metrics.target_inflight!.thresholds!['max<10']!.ok, true, 'accepted unmeasured');
  assert.equal(data.state.testRunDurationMs, 30_000);
});

test("the pack knows the type of k6's metrics, its own and the probe's; not a user's", () => {
  assert.equal(metricType('http_req_failed'), 'rate');
  assert.equal(metricType('writes_lost'), 'counter');
  assert.equal(metricType('target_pool_waiting'), 'trend');
  assert.equal(metricType('orders_placed'), undefined);
  assert.equal(metricType('orders_placed', { orders_placed: 'counter' }), 'counter');
});
