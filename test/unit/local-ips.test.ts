import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressIndex, poolSize } from '../../lib/local-ips.ts';

test('a --local-ips pool is counted as k6 counts it: addresses, ranges, blocks without network and broadcast', () => {
  assert.deepEqual(poolSize('127.0.0.10-127.0.0.29'), { size: 20 });
  assert.deepEqual(poolSize('127.0.0.5'), { size: 1 });
  assert.deepEqual(poolSize('127.0.0.0/28, 127.0.1.1'), { size: 15 });
  assert.deepEqual(poolSize('127.0.0.0/31'), { size: 2 });
});

test('a pool it cannot count says which part and what was expected', () => {
  assert.deepEqual(poolSize('127.0.0.29-127.0.0.10'), { error: '127.0.0.29-127.0.0.10: expected a range of IPv4 addresses, low-high' });
  assert.deepEqual(poolSize('::1'), { error: '::1: expected an IPv4 address, range (a-b) or block (a/n)' });
  assert.deepEqual(poolSize('127.0.0.0/33'), { error: '127.0.0.0/33: expected an IPv4 block, a.b.c.d/n' });
});

test('VU n dials from the address at (n - 1) modulo the pool, setup (VU 0) from the first', () => {
  assert.deepEqual(
    [0, 1, 2, 20, 21, 22].map((id) => addressIndex(id, 20)),
    [0, 0, 1, 19, 0, 1],
  );
});
