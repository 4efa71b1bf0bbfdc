// db-pool: long credit transactions (2 s each on the reference target) against a pool of 60
// connections serve 30 debits/s at most. 240 clients would need 8 s of queue each, past their
// 5 s timeout, so the pool runs dry; then a low steady rate shows how long recovery takes (the
// Go-API resilience study's pool exhaustion). The timeout leaves 2 s above the protected
// target's worst answer (1 s wait + one 2 s debit).
import { duration, httpPath, int, num, stages } from '../options.ts';
import { faultKnobs, probeKnobs } from './common.ts';
import { declareScenario, knob } from './knob.ts';

export const DB_POOL = declareScenario({
  name: 'db-pool',
  target: 'db-pool',
  question: 'What does a client see when a 60-connection pool runs dry, how long until the service recovers, was any write lost?',
  load: 'ramping VUs past the pool, then a paced recovery; real PostgreSQL',
  knobs: {
    OVERLOAD_STAGES: knob(stages(100_000, 24 * 3600), 'duration:VUs pairs of the overload', {
      full: '10s:240,30s:240',
      smoke: '2s:240,8s:240',
    }),
    REQUEST_TIMEOUT: knob(duration(0.001, 3600), "the client's patience", { full: '5s' }),
    RECOVERY_RATE: knob(num(0.1, 1000), 'debits/s of the one recovery client', { full: 5 }),
    RECOVERY_FOR: knob(duration(1, 24 * 3600), 'how long the recovery phase runs', { full: '60s', smoke: '20s' }),
    HEALTHY_LATENCY: knob(duration(0.001, 3600), 'slower than this counts as unhealthy in recovery', { full: '3s' }),
    AMOUNT: knob(int(1, 1_000_000), 'credits per debit', { full: 1 }),
    DEBIT_PATH: knob(httpPath('/api/debit'), 'POST {account, amount} with an Idempotency-Key', { full: '/api/debit' }),
    LEDGER_PATH: knob(httpPath('/api/ledger'), "GET ?prefix=<run id>: the ledger's totals for the run", { full: '/api/ledger' }),
    ...faultKnobs('db'),
    // Each round trip waits this long: a debit's six (begin, three statements, a sleep, commit) come to
    // about the study's 2 s transaction, still healthy (under HEALTHY_LATENCY) once the pool has room.
    FAULT_LATENCY: knob(duration(0, 600), 'with FAULTS_URL: latency added to every answer of the database, the whole run', {
      full: '300ms',
    }),
    ...probeKnobs(
      'target_pool_waiting=db_pool_waiting,target_pool_idle=db_pool_idle,target_pool_total=db_pool_total,' +
        'target_db_server_connections=db_server_connections,target_rss_bytes=process_resident_memory_bytes',
    ),
  },
});
