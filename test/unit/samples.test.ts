// A gate with no samples must not pass: each gate on request timings or a target_* metric gets
// a companion Counter required to be at least 1, under the gate's own tag filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandPlaceholder, measurableMetrics, requireSamples, samplesOf, SAMPLE_RULE, withTag } from '../../lib/samples.ts';

test('each gate is counted by the Counter that grows with its samples, under the same filter', () => {
  assert.equal(samplesOf('http_req_duration{scenario:burst}'), 'http_reqs{scenario:burst}');
  assert.equal(samplesOf('http_req_failed'), 'http_reqs');
  assert.equal(samplesOf('target_breaker_state{phase:recovered}'), 'target_readings{metric:target_breaker_state,phase:recovered}');
  assert.equal(samplesOf('target_inflight'), 'target_readings{metric:target_inflight}');
  // A Counter gate reads 0 when nothing happened, which is a reading; the pack's own metrics sample with their load.
  assert.equal(samplesOf('debits_lost'), undefined);
  assert.equal(samplesOf('target_readings{metric:x}'), undefined);
});

test('requireSamples adds one companion rule per Counter, and none for accepted metrics', () => {
  const out = requireSamples(
    {
      'http_req_duration{scenario:burst}': ['p(95)<50'],
      'http_req_failed{scenario:burst}': ['rate<0.01'],
      'http_reqs{scenario:burst}': ['count>0'],
      target_inflight: ['max<120'],
      target_breaker_state: ['max<1'],
      debits_lost: ['count<=0'],
    },
    ['target_breaker_state'],
  );
  assert.deepEqual(out['http_reqs{scenario:burst}'], ['count>0', SAMPLE_RULE]);
  assert.deepEqual(out['target_readings{metric:target_inflight}'], [SAMPLE_RULE]);
  assert.equal(out['target_readings{metric:target_breaker_state}'], undefined);
  assert.deepEqual(out.debits_lost, ['count<=0']);
});

test('UNMEASURED may name the metrics of gates that need samples, and only those', () => {
  assert.deepEqual(
    measurableMetrics({ target_inflight: ['max<1'], 'http_req_duration{scenario:a}': ['p(95)<1'], debits_lost: ['count<=0'] }),
    ['http_req_duration', 'target_inflight'],
  );
});

test('withTag adds a tag to a metric or a sub-metric', () => {
  assert.equal(withTag('http_reqs', 'stage', '100'), 'http_reqs{stage:100}');
  assert.equal(withTag('http_reqs{scenario:load}', 'stage', '100'), 'http_reqs{scenario:load,stage:100}');
});

test('a gate on a placeholder tag is judged on each filter it stands for; none: it drops out; other gates stay', () => {
  const gates = {
    'http_req_duration{scenario:load,capacity:required}': ['p(99)<100'],
    'http_req_failed{scenario:load,stage:250}': ['rate<=0.9'],
    'http_req_failed{scenario:load,capacity:required}': ['rate<0.01'],
  };
  assert.deepEqual(expandPlaceholder(gates, 'capacity:required', ['stage:100', 'stage:250']), {
    'http_req_duration{scenario:load,stage:100}': ['p(99)<100'],
    'http_req_duration{scenario:load,stage:250}': ['p(99)<100'],
    // Rules already on the same key are kept alongside.
    'http_req_failed{scenario:load,stage:250}': ['rate<=0.9', 'rate<0.01'],
    'http_req_failed{scenario:load,stage:100}': ['rate<0.01'],
  });
  assert.deepEqual(expandPlaceholder(gates, 'capacity:required', []), { 'http_req_failed{scenario:load,stage:250}': ['rate<=0.9'] });
});
