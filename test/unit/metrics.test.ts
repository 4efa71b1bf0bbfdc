// lib/k6/metrics.ts under Node with k6/metrics shimmed: every failed request lands in one counter,
// tagged with its failure mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samples } from '../shims/k6/metrics.ts';
import { trackFailure } from '../../lib/k6/metrics.ts';

type Res = Parameters<typeof trackFailure>[0];
const res = (status: number, error_code = 0, error = '') => ({ status, error_code, error }) as unknown as Res;

test('a failed request adds 1 to failed_requests tagged with its failure mode', () => {
  samples.length = 0;
  assert.equal(trackFailure(res(0, 1212, 'dial: connection refused')), 'conn_refused');
  assert.deepEqual(samples, [{ metric: 'failed_requests', value: 1, tags: { failure_mode: 'conn_refused' } }]);
});

test('a success, or an expected status, adds nothing', () => {
  samples.length = 0;
  assert.equal(trackFailure(res(200)), null);
  assert.equal(trackFailure(res(429, 1429), [429]), null);
  assert.deepEqual(samples, []);
});
