// A gate with no samples must not pass: each gate on request timings or a target_* metric gets
// a companion Counter required to be at least 1, under the gate's own tag filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measurableMetrics, requireSamples, samplesOf, SAMPLE_RULE } from '../../lib/samples.ts';

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
