// cache-stampede: readers of one hot key at a steady rate while its cache entry expires every
// second (the flood-defence study's cache breakdown): does each expiry cost the database one
// query or one per reader in flight, and what do readers wait around it?
import { duration, httpPath, int, num, text } from '../options.ts';
import { faultKnobs, probeKnobs } from './common.ts';
import { declareScenario, knob } from './knob.ts';

export const CACHE_STAMPEDE = declareScenario({
  name: 'cache-stampede',
  target: 'cache-stampede',
  question: 'When a hot key expires, does the database get one query or one per reader in flight?',
  load: 'constant arrival rate: 500 req/s on one hot key whose cache entry expires every second',
  knobs: {
    RATE: knob(num(0.001, 100_000), 'reads a second of the hot key', { full: 500, smoke: 300 }),
    DURATION: knob(duration(1, 24 * 3600), 'length of the load', { full: '30s', smoke: '10s' }),
    KEY: knob(text(/^[\w.-]{1,64}$/, '1-64 of A-Z a-z 0-9 _ . -'), 'the hot key', { full: 'hot' }),
    API_PATH: knob(httpPath('/api/item'), 'the endpoint that reads a key (GET ?key=)', { full: '/api/item' }),
    MIN_EXPIRIES: knob(int(1, 1_000_000), 'expiries the run must see before queries per expiry is read', { full: 3 }),
    REQUEST_TIMEOUT: knob(duration(0.001, 600), 'per-request timeout', { full: '10s' }),
    ...faultKnobs('db'),
    // A slower origin widens each expiry's window: more readers miss before the refill.
    FAULT_LATENCY: knob(duration(0, 600), 'with FAULTS_URL: latency added to every answer of the database, the whole run', {
      full: '200ms',
    }),
    ...probeKnobs(
      'target_origin_queries=origin_queries_db,target_cache_expiries=cache_expiries,target_db_connections_peak=origin_connections_peak',
    ),
  },
});
