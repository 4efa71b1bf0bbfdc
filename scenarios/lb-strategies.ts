// Load-balancing strategies (the flood-defence study): the same users through the balancer one
// strategy after another, each answer naming its replica, so the summary compares the users'
// latency and the share each replica got side by side. The gates judge STRATEGY.
import exec from 'k6/execution';
import { defineScenario } from '../lib/k6/scenario.ts';
import { LB_STRATEGIES_SCENARIO, STRATEGY_PLACEHOLDER } from '../lib/catalog/lb-strategies.ts';
import { durationSeconds } from '../lib/options.ts';
import { fail } from '../lib/fail.ts';
import { staggerStart } from '../lib/k6/clients.ts';
import { userTurn } from '../lib/k6/lb-client.ts';

const run = defineScenario(LB_STRATEGIES_SCENARIO);
const k = run.knobs;
const strategies = [...new Set(k.STRATEGIES)];
if (!strategies.includes(k.STRATEGY)) {
  fail(
    `-e STRATEGY=${k.STRATEGY} is not among -e STRATEGIES=${strategies.join(',')}: the gates judge a strategy the run sends load through`,
  );
}
if (strategies.length > 1 && !k.API_PATH.includes(STRATEGY_PLACEHOLDER)) {
  fail(
    `-e API_PATH=${k.API_PATH} has no ${STRATEGY_PLACEHOLDER}: the ${strategies.length} strategies of -e STRATEGIES would all go to one endpoint; ` +
      `name each strategy's path with ${STRATEGY_PLACEHOLDER}, or run one strategy (-e STRATEGIES=${k.STRATEGY})`,
  );
}
const replicas = [...new Set(k.REPLICAS)];
if (k.SLOW_REPLICA !== '' && !replicas.includes(k.SLOW_REPLICA)) {
  fail(`-e SLOW_REPLICA=${k.SLOW_REPLICA} is not one of -e REPLICAS=${replicas.join(',')} (or empty: no replica is slow)`);
}

const seconds = durationSeconds(k.DURATION)!;
// The next strategy starts once the last one's slowest requests have timed out at worst, so no
// strategy's users wait behind another's queue.
const slot = seconds + durationSeconds(k.REQUEST_TIMEOUT)!;
const pace = 1 / k.RATE;

export const options = run.options(
  {
    scenarios: Object.fromEntries(
      strategies.map((s, i) => [
        s,
        {
          executor: 'constant-vus',
          vus: k.USERS,
          duration: k.DURATION,
          startTime: `${i * slot}s`,
          gracefulStop: k.REQUEST_TIMEOUT,
          exec: 'user',
          tags: { strategy: s },
        },
      ]),
    ),
  },
  {
    comparisons: [
      {
        title: 'Balancing strategies, one after another',
        tag: 'strategy',
        columns: Object.fromEntries(strategies.map((s) => [s, seconds])),
        rows: [
          { label: 'requests/s', metric: 'http_reqs', stat: 'count', perSecond: true },
          { label: 'latency p50', metric: 'http_req_duration', stat: 'med' },
          { label: 'latency p95', metric: 'http_req_duration', stat: 'p(95)' },
          { label: 'latency p99', metric: 'http_req_duration', stat: 'p(99)' },
          { label: 'errors', metric: 'http_req_failed', stat: 'rate' },
          ...replicas.map((r) => ({
            label: `share to ${r}${r === k.SLOW_REPLICA ? ' (slow)' : ''}`,
            metric: `lb_replica_share{replica:${r}}`,
            stat: 'rate',
          })),
          { label: 'users moved (per request)', metric: 'lb_user_moved', stat: 'rate' },
          { label: 'answers naming no known replica', metric: 'lb_replica_unnamed', stat: 'rate' },
        ],
      },
    ],
    // The file's gates are on {strategy:under_test}: the strategy this run judges.
    expand: { placeholder: 'strategy:under_test', into: [`strategy:${k.STRATEGY}`], whyNone: '' },
    skip: [
      {
        gates: (key) => key.startsWith('lb_user_moved') && k.STRATEGY !== 'hash',
        why: `STRATEGY=${k.STRATEGY} does not promise a user one replica; the hash strategy does`,
      },
      {
        gates: (key) => key.startsWith('lb_slow_replica_share_of_even') && k.SLOW_REPLICA === '',
        why: 'SLOW_REPLICA is empty: no replica was named slow',
      },
    ],
  },
);

export const setup = run.setup;
export const handleSummary = run.handleSummary;

const urls = Object.fromEntries(strategies.map((s) => [s, `${run.baseUrl}${k.API_PATH.split(STRATEGY_PLACEHOLDER).join(s)}`]));

/** A user: one VU, named by its id in the test, at its pace, through the strategy of its scenario. */
export function user(): void {
  const strategy = exec.scenario.name;
  staggerStart(pace, strategy);
  userTurn({
    url: urls[strategy]!,
    strategy,
    user: `user-${exec.vu.idInTest}`,
    userHeader: k.USER_HEADER,
    replicaHeader: k.REPLICA_HEADER,
    replicas,
    slowReplica: k.SLOW_REPLICA,
    timeout: k.REQUEST_TIMEOUT,
    pace,
  });
}
