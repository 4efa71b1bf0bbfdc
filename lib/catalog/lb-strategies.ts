// lb-strategies: the same users through one balancer three ways, one after another in one run
// (the flood-defence study's load balancing): round robin, least connections and a hash by
// user, in front of replicas one of which is overloaded. Which strategy keeps the users' p99
// when a replica is slow, and which keeps each user on one replica?
import { duration, headerName, int, list, num, oneOf, text } from '../options.ts';
import { declareScenario, knob } from './knob.ts';

/** The strategies, as the reference target names its paths and the scenario its columns. */
export const LB_STRATEGIES = ['round_robin', 'least_conn', 'hash'] as const;
export type LbStrategy = (typeof LB_STRATEGIES)[number];
/** The header a replica names itself in: the only way a client sees where the balancer sent it. */
export const REPLICA_HEADER = 'X-Replica-Id';
/** The reference target's replicas: replica-1 (the slow one in its slow-replica mode), replica-2... */
export const replicaId = (i: number) => `replica-${i + 1}`;
/** Where API_PATH names the strategy. */
export const STRATEGY_PLACEHOLDER = '{strategy}';

// Addresses too (127.0.0.1:8001, [::1]:8001): what nginx's $upstream_addr names a replica by.
const replicaName = text(/^[\w.:[\]-]{1,64}$/, '1-64 of A-Z a-z 0-9 _ . - : [ ]');

export const LB_STRATEGIES_SCENARIO = declareScenario({
  name: 'lb-strategies',
  target: 'lb-strategies',
  question: 'With one replica overloaded, which balancing strategy keeps p99, and which keeps each user on one replica?',
  load: 'closed model: 100 users x 3 req/s through the balancer, each strategy in turn',
  knobs: {
    STRATEGY: knob(oneOf(...LB_STRATEGIES), 'the strategy the gates judge', { full: 'least_conn' }),
    STRATEGIES: knob(list(oneOf(...LB_STRATEGIES)), 'the strategies to run, one after another, for the comparison table', {
      full: LB_STRATEGIES.join(','),
    }),
    USERS: knob(int(1, 100_000), 'users, each one VU sending X-User-Id', { full: 100 }),
    RATE: knob(num(0.001, 1000), 'requests a second each user sends while answers come fast', { full: 3 }),
    DURATION: knob(duration(1, 24 * 3600), 'how long each strategy runs', { full: '30s', smoke: '5s' }),
    API_PATH: knob(
      text(/^\/\S*$/, 'a path starting with /, where {strategy} stands for the strategy'),
      "the endpoint behind each strategy's balancer; {strategy} is replaced by its name",
      { full: `/${STRATEGY_PLACEHOLDER}/api/work` },
    ),
    USER_HEADER: knob(headerName(), 'header naming the user (what the hash strategy keys on)', { full: 'X-User-Id' }),
    REPLICA_HEADER: knob(headerName(), 'response header naming the replica that answered', { full: REPLICA_HEADER }),
    REPLICAS: knob(list(replicaName), 'the replicas behind the balancer, as their header names them', {
      full: [0, 1, 2].map(replicaId).join(','),
    }),
    SLOW_REPLICA: knob(text(/^([\w.:[\]-]{1,64})?$/, 'one of REPLICAS, or empty'), 'the replica you made slow (empty: none)', {
      full: replicaId(0),
    }),
    REQUEST_TIMEOUT: knob(duration(0.001, 600), 'per-request timeout', { full: '10s', smoke: '3s' }),
  },
});
