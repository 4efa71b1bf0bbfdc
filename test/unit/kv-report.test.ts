import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kvFindings } from '../../lib/kv-report.ts';
import type { SummaryData } from '../../lib/summary.ts';

const data = (metrics: Record<string, Record<string, number>>) =>
  ({
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, values]) => [k, { type: 'trend', contains: 'default', values }])),
  }) as unknown as SummaryData;
const plan = { quota: 1000, dailyUsers: 1000, requestsPerUserDay: 10, outage: true };

test("a write per request at the study's 1,000 users of 10 requests is ten times the free tier", () => {
  const f = kvFindings(data({ target_kv_writes_per_request: { med: 1, count: 50 } }), { ...plan, outage: false });
  assert.deepEqual(f.lines, [
    { label: 'writes a day', text: '1.000 a request x 10 requests a user x 1,000 users = 10,000 a day: 10.0x the quota of 1,000' },
  ]);
  assert.equal(f.data.projectedPerDay, 10_000);
});

test('the outage is told by what users got: 5xx, refusals (fail-closed) or admission (fail-open)', () => {
  const at = (rate: number, errors: number) =>
    kvFindings(
      data({
        target_kv_writes_per_request: { med: 0.05, count: 9 },
        'rate_limit_false_positives{phase:outage}': { rate },
        'failed_requests{failure_mode:http_5xx,phase:outage}': { count: errors },
        'target_kv_store_healthy{phase:outage}': { min: 0 },
      }),
      plan,
    ).lines.map((l) => l.text);
  assert.deepEqual(at(0, 0), [
    '0.050 a request x 10 requests a user x 1,000 users = 500 a day: within the quota of 1,000',
    'fail-open: users admitted on the counts in memory, no 5xx',
  ]);
  assert.equal(at(0.4, 0)[1], "fail-closed: 40.0 % of users' requests refused with 429, no 5xx");
  assert.equal(at(0, 12)[1], 'the limiter failed with the store: 12 5xx to users');
});

test('no store writes read: said, not a zero', () => {
  assert.match(kvFindings(data({}), { ...plan, outage: false }).lines[0]!.text, /^not measured/);
});

test('an outage phase in which the store was never seen down is said so, not called fail-open', () => {
  const f = kvFindings(
    data({ 'rate_limit_false_positives{phase:outage}': { rate: 0 }, 'target_kv_store_healthy{phase:outage}': { min: 1 } }),
    plan,
  );
  assert.match(f.lines[1]!.text, /^the store was never seen down/);
});
