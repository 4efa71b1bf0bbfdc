// Red/green with real k6, Redis and PostgreSQL: readers of one hot key whose cache entry expires
// every second. Protected (single-flight and stale-while-revalidate) costs the origin one query
// per expiry and keeps readers fast; naive sends every reader in flight to the database (exit 99).
// Two instances side by side: single-flight per instance costs a query per instance per expiry
// (exit 99), a Redis lock across them one (exit 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEADROOM, type K6Result, k6Values, smokeAgainst } from '../helpers/k6.ts';
import { privateStores } from '../helpers/stores.ts';

const stores = privateStores();

/** A smoke run against a fresh target with its own schema and key prefix. */
const stampede = (targetArgs: string[], env: Record<string, string> = {}): Promise<K6Result> =>
  smokeAgainst('cache-stampede', 'cache-stampede', [...stores.targetArgs('cache'), ...targetArgs], env);

test('protected: one origin query per expiry, readers served stale while it runs (exit 0)', async () => {
  const r = await stampede([], HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  assert.ok(k6Values(r, 'target_origin_queries_per_expiry').count! >= 3, 'read through the run');
  assert.equal(k6Values(r, 'target_db_connections_peak').max, 1);
});

test('naive: every reader in flight queries the origin at each expiry (exit 99 on queries per expiry, p99 and connections)', async () => {
  const r = await stampede(['--mode', 'naive']);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, [
    'http_req_duration{scenario:readers}',
    'target_db_connections_peak',
    'target_origin_queries_per_expiry',
  ]);
  assert.ok(k6Values(r, 'target_origin_queries_per_expiry').max! > 10, 'tens of queries per expiry');
});

test('readers whose patience is shorter than the origin query fail while naive refills (exit 99 on http_req_failed{scenario:readers})', async () => {
  const r = await stampede(['--mode', 'naive'], { REQUEST_TIMEOUT: '150ms' });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.ok(r.report!.failedThresholds.includes('http_req_failed{scenario:readers}'), String(r.report!.failedThresholds));
});

test('two instances with single-flight each: a query per instance per expiry (exit 99 on target_origin_queries_per_expiry)', async () => {
  const r = await stampede(['--instances', '2', '--single-flight', 'local'], HEADROOM);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['target_origin_queries_per_expiry']);
  const perExpiry = k6Values(r, 'target_origin_queries_per_expiry').max!;
  // Two instances, a query each per expiry: 2, read over few expiries (one counted across a scrape reads 2.33).
  assert.ok(perExpiry > 1.5 && perExpiry < 2.5, `${perExpiry} queries per expiry`);
});

test('two instances sharing a Redis lock: one query per expiry across both (exit 0)', async () => {
  const r = await stampede(['--instances', '2', '--single-flight', 'global'], HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(k6Values(r, 'target_origin_queries_per_expiry').max! < 1.5);
});
