// Red/green with real k6 and Debian's nginx as the balancer: least_conn keeps the users' p99 with
// one replica overloaded and sends it less than its even share (exit 0); round robin sends it a
// third and the users queue behind it (exit 99); the hash keeps every user on one replica (exit
// 0) unless it hashes something other than the user (exit 99); a replica failing fast draws
// least_conn's traffic (exit 99).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEADROOM, type K6Result, dist, k6Values, runK6, smokeAgainst } from '../helpers/k6.ts';

/** A smoke run of `strategies` (the first judged) against a fresh balancer started with `targetArgs`. */
const through = (strategies: string[], targetArgs: string[] = [], env: Record<string, string> = {}): Promise<K6Result> =>
  smokeAgainst('lb-strategies', 'lb-strategies', targetArgs, { STRATEGY: strategies[0]!, STRATEGIES: strategies.join(','), ...env });

/** The comparison table's row `label`, by strategy. */
function row(r: K6Result, label: string): Record<string, number | null> {
  const table = r.report!.comparisons[0]!;
  const values = table.rows.find((x) => x.label === label)!.values;
  return Object.fromEntries(table.columns.map((c, i) => [c, values[i]!]));
}

test('least_conn with replica-1 overloaded: p99 kept, the slow replica under its even share (exit 0)', async () => {
  const r = await through(['least_conn'], [], HEADROOM);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, []);
  const ofEven = k6Values(r, 'lb_slow_replica_share_of_even{strategy:least_conn}').avg!;
  assert.ok(ofEven > 0.06 && ofEven < 0.75, `least_conn sent the slow replica ${ofEven} of its even share: some, well under it`);
  assert.deepEqual(
    r.report!.notGated.map((g) => g.metric),
    ['lb_user_moved{strategy:under_test}'],
  );
});

test('round robin judged, all three side by side: a third to the slow replica, users queue behind it (exit 99 on http_req_duration{strategy:under_test}, lb_slow_replica_share_of_even{strategy:under_test})', async () => {
  const r = await through(['round_robin', 'least_conn', 'hash'], [], { DURATION: '3s' });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, [
    'http_req_duration{strategy:round_robin}',
    'lb_slow_replica_share_of_even{strategy:round_robin}',
  ]);
  const slow = row(r, 'share to replica-1 (slow)');
  assert.ok(Math.abs(slow.round_robin! - 1 / 3) < 0.02, `round robin gives each replica a third: ${slow.round_robin}`);
  assert.ok(slow.least_conn! < slow.round_robin! / 2, `least_conn sends the slow replica less: ${JSON.stringify(slow)}`);
  const p99 = row(r, 'latency p99');
  assert.ok(p99.round_robin! > 500 && p99.least_conn! < 100, `p99 by strategy (ms): ${JSON.stringify(p99)}`);
  // The hash's users on the slow replica stay there: sticky, and as slow as the replica.
  assert.equal(row(r, 'users moved (per request)').hash, 0);
  assert.ok(p99.hash! > 100, `the hash's users on the slow replica wait: ${p99.hash} ms`);
  assert.match(r.stdout, /Balancing strategies, one after another\s+round_robin\s+least_conn\s+hash/);
});

test('hash by user, replicas alike: every user stays on its replica (exit 0)', async () => {
  const r = await through(['hash'], ['--mode', 'even'], { ...HEADROOM, SLOW_REPLICA: '' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const moved = k6Values(r, 'lb_user_moved{strategy:hash}');
  assert.equal(moved.rate, 0);
  assert.ok(r.report!.requests.count > 500, 'judged on hundreds of answers');
  assert.deepEqual(
    r.report!.notGated.map((g) => g.metric),
    ['lb_slow_replica_share_of_even{strategy:under_test}'],
  );
});

test('hash on a per-request id instead of the user: users move between replicas (exit 99 on lb_user_moved{strategy:under_test})', async () => {
  const r = await through(['hash'], ['--mode', 'even', '--fault', 'wrong-hash-key'], { ...HEADROOM, SLOW_REPLICA: '' });
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, ['lb_user_moved{strategy:hash}']);
  assert.ok(k6Values(r, 'lb_user_moved{strategy:hash}').rate! > 0.5, 'about two in three answers from another replica');
});

test('least_conn with a replica failing fast: it has the fewest connections and draws the traffic (exit 99 on http_req_failed{strategy:under_test}, lb_slow_replica_share_of_even{strategy:under_test})', async () => {
  const r = await through(['least_conn'], ['--fault', 'fast-failing-replica'], HEADROOM);
  assert.equal(r.code, 99, r.stdout + r.stderr);
  assert.deepEqual(r.report!.failedThresholds, [
    'http_req_failed{strategy:least_conn}',
    'lb_slow_replica_share_of_even{strategy:least_conn}',
  ]);
});

test('a judged strategy the run does not send load through is refused before any load (exit 107)', async () => {
  const r = await runK6(dist('lb-strategies'), { PROFILE: 'smoke', STRATEGY: 'hash', STRATEGIES: 'round_robin,least_conn' });
  assert.equal(r.code, 107, r.stdout + r.stderr);
  assert.match(r.stderr, /-e STRATEGY=hash is not among -e STRATEGIES=round_robin,least_conn/);
});
