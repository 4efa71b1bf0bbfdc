// The recovery rule of the single-container study: a one-second window is healthy when its p99
// is under 100 ms and its errors under 1 %.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { p99, windowHealthy } from '../../lib/recovery-window.ts';

const H = { p99Ms: 100, maxErrorRate: 0.01 };
const ok = (ms: number) => ({ ms, failed: false });

test('p99 by nearest rank: with ten answers it is the slowest', () => {
  assert.equal(p99([5, 1, 9, 3, 2, 8, 7, 6, 4, 10]), 10);
  assert.equal(p99(Array.from({ length: 200 }, (_, i) => i + 1)), 198);
});

test('a window is healthy only with fast answers, no more errors than allowed, and at least one answer', () => {
  assert.equal(windowHealthy([ok(5), ok(20), ok(99)], H), true);
  assert.equal(windowHealthy([ok(5), ok(20), ok(150)], H), false);
  assert.equal(windowHealthy([ok(5), { ms: 3, failed: true }], H), false);
  assert.equal(windowHealthy([], H), false);
});
