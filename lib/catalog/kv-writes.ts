// kv-writes: the burst shape (100 users at their 5 req/s limit, one user over it) against a
// limiter that keeps its state in a KV store (the Go-API resilience study, P1): how many writes
// does the store take per user per second, what would that bill a day against the free tier's
// 1,000 writes, and does the limiter keep working, with no 5xx, while the store is down?
import { duration, httpPath, int, num } from '../options.ts';
import { BURST_SHAPE } from './burst.ts';
import { faultKnobs, probeKnobs } from './common.ts';
import { declareScenario, knob } from './knob.ts';

export const KV_WRITES = declareScenario({
  name: 'kv-writes',
  target: 'kv-writes',
  question: "How many KV writes does a per-user limiter cost, against the store's daily quota, and does it hold when the store fails?",
  load: 'constant arrival rate: 100 users x 5 req/s plus one at 20 req/s; the store broken mid-run by you or the test',
  knobs: {
    ...BURST_SHAPE,
    DURATION: knob(duration(1, 24 * 3600), 'length of the load', { full: '60s', smoke: '16s' }),
    OUTAGE_AT: knob(
      duration(0, 24 * 3600),
      'when the store is broken (through the fault proxy with FAULTS_URL; else by you, and the scenario only times it)',
      {
        full: '20s',
        smoke: '4s',
      },
    ),
    OUTAGE_FOR: knob(duration(0, 24 * 3600), 'how long the store stays broken (0: no outage, its gates not judged)', { full: '0s' }),
    RECOVERY: knob(duration(0, 3600), 'how long after the outage the limiter may take to write to the store again', {
      full: '5s',
      smoke: '3s',
    }),
    WRITE_QUOTA: knob(int(1, 1_000_000_000), "the store's writes a day (Cloudflare KV's free tier, in the study)", { full: 1000 }),
    DAILY_USERS: knob(int(1, 1_000_000_000), 'users a day, for the projection (the study asks about 1,000 MAU)', { full: 1000 }),
    REQUESTS_PER_USER_DAY: knob(num(0.001, 1_000_000), "a user's requests a day, for the projection (the study's: 10)", { full: 10 }),
    API_PATH: knob(httpPath('/api/work'), 'the limited endpoint (GET)', { full: '/api/work' }),
    REQUEST_TIMEOUT: knob(duration(0.001, 600), 'per-request timeout', { full: '10s' }),
    ...faultKnobs('store'),
    ...probeKnobs('target_kv_store_writes=kv_store_write_commands,target_kv_store_healthy=kv_store_healthy'),
  },
});
