// burst: 100 users each at their 5 req/s limit at once (500 req/s at the origin) for a minute,
// plus one user at 20 req/s, well over it (the Go-API resilience study's burst and rate-limit
// drift). LIMIT is what the API promises per user.
import { duration, headerName, httpPath, int, num, oneOf } from '../options.ts';
import { declareScenario, knob } from './knob.ts';

/** The burst shape's users, shared with kv-writes: USERS at their limit of RATE, one user at OVER_RATE. */
export const BURST_SHAPE = {
  USERS: knob(int(1, 100_000), 'well-behaved users, each at RATE', { full: 100 }),
  RATE: knob(num(0.001, 10_000), 'req/s each well-behaved user sends (their limit)', { full: 5 }),
  OVER_RATE: knob(num(0, 100_000), 'req/s of the over-limit user (0: no over-limit user)', { full: 20 }),
  LIMIT: knob(num(0.001, 100_000), 'the per-user limit your API promises, in req/s', { full: 5 }),
  USER_HEADER: knob(headerName(), 'header naming the user', { full: 'X-User-Id' }),
};

export const BURST = declareScenario({
  name: 'burst',
  target: 'burst',
  question: 'Can the origin take 100 users at their 5 req/s limit at once, and is a noisy user cut off?',
  load: 'constant arrival rate: 100 users x 5 req/s, plus one user at 20 req/s',
  knobs: {
    ...BURST_SHAPE,
    DURATION: knob(duration(1, 24 * 3600), 'how long both scenarios run', { full: '60s', smoke: '8s' }),
    // Not PATH: k6 passes the shell's environment, PATH included.
    API_PATH: knob(httpPath('/api/work'), 'the endpoint to call (GET)', { full: '/api/work' }),
    REQUEST_TIMEOUT: knob(duration(0.001, 600), 'per-request timeout', { full: '10s' }),
    RATELIMIT_HEADERS: knob(
      oneOf('report', 'require'),
      'the draft RateLimit-* fields on a refusal: report them (a 429 with a valid Retry-After is well formed), or require them too',
      { full: 'report' },
    ),
  },
});
