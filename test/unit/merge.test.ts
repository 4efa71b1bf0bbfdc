// Merging the summaries of a test split over k6 processes: what adds up, what is exact, what is
// only a bound, and how the verdict and exit code come out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSummaries, type PartSummary } from '../../lib/merge.ts';
import type { SummaryMetric } from '../../lib/summary.ts';

const counter = (count: number, rate: number, thresholds?: Record<string, boolean>): SummaryMetric => ({
  type: 'counter',
  contains: 'default',
  values: { count, rate },
  ...(thresholds ? { thresholds: Object.fromEntries(Object.entries(thresholds).map(([k, ok]) => [k, { ok }])) } : {}),
});
const rate = (passes: number, fails: number, thresholds?: Record<string, boolean>): SummaryMetric => ({
  type: 'rate',
  contains: 'default',
  values: { passes, fails, rate: passes / (passes + fails || 1) },
  ...(thresholds ? { thresholds: Object.fromEntries(Object.entries(thresholds).map(([k, ok]) => [k, { ok }])) } : {}),
});
const trend = (values: Record<string, number>, thresholds?: Record<string, boolean>): SummaryMetric => ({
  type: 'trend',
  contains: 'time',
  values,
  ...(thresholds ? { thresholds: Object.fromEntries(Object.entries(thresholds).map(([k, ok]) => [k, { ok }])) } : {}),
});
const part = (metrics: Record<string, SummaryMetric>, code = 0): PartSummary => ({ metrics, durationSeconds: 10, code });

test('counters add up (count and rate); rates are re-derived from summed passes and fails', () => {
  const m = mergeSummaries([part({ c: counter(10, 1), r: rate(99, 1) }), part({ c: counter(30, 3), r: rate(50, 50) })]);
  assert.deepEqual(m.data.metrics.c!.values, { count: 40, rate: 4 });
  assert.deepEqual(m.data.metrics.r!.values, { passes: 149, fails: 51, rate: 149 / 200 });
});

test('trends: count, min, max exact, avg weighted by count, percentiles the largest (an upper bound)', () => {
  const m = mergeSummaries([
    part({ t: trend({ count: 100, min: 1, max: 9, avg: 2, 'p(99)': 8 }) }),
    part({ t: trend({ count: 300, min: 2, max: 20, avg: 4, 'p(99)': 15 }) }),
    part({ t: trend({ count: 0, min: 0, max: 0, avg: 0, 'p(99)': 0 }) }), // a part with no samples does not drag min to 0
  ]);
  assert.deepEqual(m.data.metrics.t!.values, { count: 400, min: 1, max: 20, avg: 3.5, 'p(99)': 15 });
});

test('a threshold is checked on the merged value where it is exact: two passing parts can fail together', () => {
  const m = mergeSummaries([part({ e: rate(999, 1, { 'rate>=0.999': true }) }), part({ e: rate(1998, 2, { 'rate>=0.999': true }) })]);
  assert.equal(m.data.metrics.e!.values.rate, 2997 / 3000);
  assert.deepEqual(m.thresholds, [{ metric: 'e', expression: 'rate>=0.999', ok: true, basis: 'exact' }]);
  const closes = mergeSummaries([part({ u: counter(0, 0, { 'count==0': true }) }), part({ u: counter(0, 0, { 'count==0': true }) })]);
  assert.equal(closes.code, 0);
  const summed = mergeSummaries([part({ n: counter(6, 0, { 'count<10': true }) }), part({ n: counter(6, 0, { 'count<10': true }) })]);
  assert.deepEqual(summed.thresholds[0], { metric: 'n', expression: 'count<10', ok: false, basis: 'exact' });
  assert.equal(summed.code, 99, 'the merged count crossed what neither part did');
});

test('a part that crossed a threshold fails the whole test, even where the merged percentile is only a bound', () => {
  const m = mergeSummaries([
    part({ t: trend({ count: 10, 'p(99)': 5 }, { 'p(99)<10': true }) }),
    part({ t: trend({ count: 10, 'p(99)': 12 }, { 'p(99)<10': false }) }, 99),
  ]);
  assert.deepEqual(m.thresholds, [{ metric: 't', expression: 'p(99)<10', ok: false, basis: 'bound' }]);
  assert.equal(m.code, 99);
  assert.equal(m.data.metrics.t!.thresholds!['p(99)<10']!.ok, false);
});

test('a part with no samples of a metric (fewer VUs than parts) does not fail it: k6 judged it on zeros', () => {
  const m = mergeSummaries([
    part({ e: rate(300, 0, { 'rate>=0.999': true }) }),
    part(
      { e: { type: 'rate', contains: 'default', values: { passes: 0, fails: 0, rate: 0 }, thresholds: { 'rate>=0.999': { ok: false } } } },
      99,
    ),
  ]);
  assert.deepEqual(m.thresholds, [{ metric: 'e', expression: 'rate>=0.999', ok: true, basis: 'exact' }]);
  assert.equal(m.code, 0);
});

test('a part that broke (not 0 or 99) makes the merged exit code its own', () => {
  const m = mergeSummaries([part({ c: counter(1, 1) }, 0), part({ c: counter(1, 1) }, 108), part({ c: counter(1, 1) }, 99)]);
  assert.deepEqual(m.brokenParts, [1]);
  assert.equal(m.code, 108);
});

test("a gate's samples are asked of the whole test: a part without the probe does not fail them, no part with any does", () => {
  const key = 'target_readings{metric:target_rss_per_1000_connections_bytes}';
  const some = mergeSummaries([
    part({ [key]: counter(12, 1, { 'count>=1': true }) }),
    part({ [key]: counter(0, 0, { 'count>=1': false }) }, 99),
  ]);
  assert.deepEqual(some.thresholds, [{ metric: key, expression: 'count>=1', ok: true, basis: 'exact' }]);
  assert.equal(some.code, 0);
  const none = mergeSummaries([
    part({ [key]: counter(0, 0, { 'count>=1': false }) }, 99),
    part({ [key]: counter(0, 0, { 'count>=1': false }) }, 99),
  ]);
  assert.equal(none.code, 99);
});
