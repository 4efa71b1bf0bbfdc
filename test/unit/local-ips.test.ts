import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressIndex, firstAddress, poolSize, roleOf } from '../../lib/local-ips.ts';

test('a --local-ips pool is counted as k6 counts it: addresses, ranges, blocks without network and broadcast', () => {
  assert.deepEqual(poolSize('127.0.0.9-127.0.0.29'), { size: 21 });
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

test("the pool's first address is the harness's (setup, the probe), the next ones the attacker's, the rest the users'", () => {
  // 21 addresses, 2 the attacker's: VUs 1 and 22 at the harness's, 2-3 and 23-24 attacking.
  assert.deepEqual(
    [0, 1, 2, 3, 4, 21, 22, 23, 25].map((id) => roleOf(id, 21, 2)),
    ['harness', 'harness', 'attack', 'attack', 'legit', 'legit', 'harness', 'attack', 'legit'],
  );
  assert.equal(roleOf(5, 21, 0), 'legit', 'no attacker: users only, beside the harness');
});

test("the pool's first address, the one setup() dials from", () => {
  assert.equal(firstAddress('127.0.0.9-127.0.0.29'), '127.0.0.9');
  assert.equal(firstAddress('127.0.0.5, 127.0.0.7'), '127.0.0.5');
  assert.equal(firstAddress('127.0.1.0/24'), '127.0.1.1');
  assert.equal(firstAddress('nonsense'), undefined);
});
