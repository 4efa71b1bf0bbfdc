// The probe reads a Prometheus text exposition the way Prometheus does: by name and labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProbeMetrics, parseProbeUrls, parseSelector, probeEndpoints, probeValues, sampleSum } from '../../lib/prometheus.ts';

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
  const sel = (name: string, ...m: [string, string, string][]) => ({
    name,
    matchers: m.map(([label, op, value]) => ({ label, op, value })),
  });
  assert.deepEqual(parseProbeMetrics('target_goroutines=go_goroutines, target_rejected=rejections_total{reason="a",target="b"}'), [
    { k6Name: 'target_goroutines', selector: sel('go_goroutines'), endpoint: 'service', factor: 1 },
    {
      k6Name: 'target_rejected',
      selector: sel('rejections_total', ['reason', '=', 'a'], ['target', '=', 'b']),
      endpoint: 'service',
      factor: 1,
    },
  ]);
  assert.equal(parseProbeMetrics('no-equals-sign'), undefined);
  assert.equal(parseProbeMetrics('target x=go_goroutines'), undefined);
  assert.equal(parseProbeMetrics('x=bad{selector'), undefined);
  assert.equal(parseProbeMetrics(''), undefined);
});

const promhttp = `# promhttp, as client_golang's InstrumentHandlerCounter exports it
http_requests_total{code="200",handler="/api/resource",method="get"} 120
http_requests_total{code="401",handler="/api/resource",method="get"} 30
http_requests_total{code="429",handler="/api/resource",method="get"} 50
http_requests_total{code="200",handler="/healthz",method="get"} 4
http_requests_total{code="503",handler="/api/other",method="post"} 2
redis_commands_total{cmd="set"} 10
redis_commands_total{cmd="expire"} 10
redis_commands_total{cmd="get"} 99
process_cpu_time_ns_total 2.5e9
`;

test('label matchers work as PromQL: =, !=, =~ and !~, regular expressions anchored, series summed', () => {
  const sum = (s: string) => sampleSum(promhttp, parseSelector(s)!);
  assert.equal(sum('http_requests_total{handler="/api/resource",code=~"401|429"}'), 80);
  assert.equal(sum('http_requests_total{handler="/api/resource",code!="200"}'), 80);
  assert.equal(sum('http_requests_total{code=~"4.."}'), 80);
  // Anchored: "4" alone matches no code, as in Prometheus.
  assert.equal(sum('http_requests_total{code=~"4"}'), undefined);
  assert.equal(sum('http_requests_total{handler!~"/api/.*"}'), 4);
  // A label a series lacks reads as "": != matches it, = "" selects it.
  assert.equal(sum('redis_commands_total{db!="0"}'), 119);
  assert.equal(sum('redis_commands_total{db=""}'), 119);
  assert.equal(parseSelector('x{a=~"("}'), undefined, 'a regular expression that does not compile is refused');
  assert.equal(parseSelector('x{a=="b"}'), undefined);
});

test('a k6 name given twice is the sum of both; *factor scales; @endpoint names where it is read', () => {
  const m = parseProbeMetrics(
    'target_kv_store_writes=redis_commands_total{cmd="set"}@redis,target_kv_store_writes=redis_commands_total{cmd="expire"}@redis,' +
      'target_cpu_seconds=process_cpu_time_ns_total*1e-9',
  )!;
  assert.deepEqual(
    m.map((x) => [x.k6Name, x.endpoint, x.factor]),
    [
      ['target_kv_store_writes', 'redis', 1],
      ['target_kv_store_writes', 'redis', 1],
      ['target_cpu_seconds', 'service', 1e-9],
    ],
  );
  assert.deepEqual(probeValues(m, { service: promhttp, redis: promhttp }), { target_kv_store_writes: 20, target_cpu_seconds: 2.5 });
  // An endpoint that did not answer leaves out every name it feeds, rather than a short sum.
  assert.deepEqual(probeValues(m, { service: promhttp, redis: undefined }), { target_cpu_seconds: 2.5 });
  assert.equal(parseProbeMetrics('x=go_goroutines@Not Valid'), undefined);
  assert.equal(parseProbeMetrics('x=go_goroutines*0'), undefined);
});

test('PROBE_URLS names endpoints; service is BASE_URL + /metrics unless PROBE_URL or PROBE_URLS says otherwise', () => {
  assert.deepEqual(parseProbeUrls('redis=http://127.0.0.1:9121/metrics, origin=http://127.0.0.1:9100/metrics'), {
    redis: 'http://127.0.0.1:9121/metrics',
    origin: 'http://127.0.0.1:9100/metrics',
  });
  assert.deepEqual(parseProbeUrls(''), {});
  assert.equal(parseProbeUrls('redis=ftp://x'), undefined);
  assert.equal(parseProbeUrls('redis=http://a/m,redis=http://b/m'), undefined, 'a name given twice');
  assert.deepEqual(probeEndpoints('http://127.0.0.1:8080', '', {}), { service: 'http://127.0.0.1:8080/metrics' });
  assert.deepEqual(probeEndpoints('http://127.0.0.1:8080', 'http://127.0.0.1:9090/metrics', { redis: 'http://r/m' }), {
    service: 'http://127.0.0.1:9090/metrics',
    redis: 'http://r/m',
  });
  assert.equal(probeEndpoints('http://a', 'http://b/m', { service: 'http://c/m' }).service, 'http://c/m');
});
