// The probe reads a Prometheus text exposition the way Prometheus does: by name and labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProbeMetrics, parseSelector, sampleSum } from '../../lib/prometheus.ts';

const exposition = `# HELP http_inflight_requests Requests received and not yet answered.
# TYPE http_inflight_requests gauge
http_inflight_requests{target="slow-upstream"} 42
rejections_total{reason="user_limit",target="slow-upstream"} 3
rejections_total{reason="global_limit",target="slow-upstream"} 7
go_goroutines 1534
process_resident_memory_bytes 1.2345e+08
http_inflight_requests_total 9
`;

test('a bare name sums every series of that metric, and only that metric', () => {
  assert.equal(sampleSum(exposition, parseSelector('rejections_total')!), 10);
  assert.equal(sampleSum(exposition, parseSelector('http_inflight_requests')!), 42);
  assert.equal(sampleSum(exposition, parseSelector('go_goroutines')!), 1534);
  assert.equal(sampleSum(exposition, parseSelector('process_resident_memory_bytes')!), 123_450_000);
});

test('labels narrow the sum; a metric that is not there gives no value', () => {
  assert.equal(sampleSum(exposition, parseSelector('rejections_total{reason="global_limit"}')!), 7);
  assert.equal(sampleSum(exposition, parseSelector('rejections_total{reason="timeout"}')!), undefined);
  assert.equal(sampleSum(exposition, parseSelector('jvm_threads_live_threads')!), undefined);
});

test('PROBE_METRICS maps k6 names to selectors; commas inside braces belong to the selector', () => {
  assert.deepEqual(parseProbeMetrics('target_goroutines=go_goroutines, target_rejected=rejections_total{reason="a",target="b"}'), [
    { k6Name: 'target_goroutines', selector: { name: 'go_goroutines', labels: {} } },
    { k6Name: 'target_rejected', selector: { name: 'rejections_total', labels: { reason: 'a', target: 'b' } } },
  ]);
  assert.equal(parseProbeMetrics('no-equals-sign'), undefined);
  assert.equal(parseProbeMetrics('target x=go_goroutines'), undefined);
  assert.equal(parseProbeMetrics('x=bad{selector'), undefined);
  assert.equal(parseProbeMetrics(''), undefined);
});
