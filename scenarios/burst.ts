// Burst (the Go-API resilience study, P1 and P3): USERS users each at RATE req/s at once, plus one user well over the
// limit, against a per-user rate limiter: is the origin fast at 500 req/s, is the noisy user
// cut off at its limit, and does nobody else get a 429? Each request is GET API_PATH naming its
// user in USER_HEADER, or what a request module says (npm run build -- --request ./my-api.ts).
import { sleep } from 'k6';
import { defineScenario } from '../lib/k6/scenario.ts';
import { BURST } from '../lib/catalog/burst.ts';
import { currentUser } from '../lib/k6/users.ts';
import { overLimitRequest, userArrivals, userGet, wellBehavedRequest } from '../lib/k6/burst-client.ts';
import { requestSetup, turnRequest } from '../lib/k6/user-request.ts';

const run = defineScenario(BURST);
const { USERS, RATE, DURATION, OVER_RATE, LIMIT, USER_HEADER, API_PATH, REQUEST_TIMEOUT, RATELIMIT_HEADERS } = run.knobs;

export const options = run.options(
  {
    scenarios: {
      burst: { ...userArrivals(USERS * RATE, DURATION, REQUEST_TIMEOUT), exec: 'burst' },
      ...(OVER_RATE > 0 ? { over_limit: { ...userArrivals(OVER_RATE, DURATION, REQUEST_TIMEOUT), exec: 'overLimit' } } : {}),
    },
  },
  {
    // Reported, not gated (unless RATELIMIT_HEADERS=require): what the refusals said besides Retry-After.
    figures: [
      { label: 'refusals with RateLimit fields', metric: 'over_limit_refusals_with_ratelimit_fields', stat: 'rate' },
      { label: 'RateLimit-Limit stated', metric: 'over_limit_ratelimit_limit', stat: 'max' },
      { label: 'RateLimit-Remaining, lowest', metric: 'over_limit_ratelimit_remaining', stat: 'min' },
    ],
  },
);

const OVER_LIMIT_USER = 'over-limit';

/** setup(): the preflight, then a request module's own setup with every user it will be asked for. */
export function setup(): unknown {
  run.setup();
  const users = Array.from({ length: USERS }, (_, i) => `user-${String(i + 1).padStart(String(USERS).length, '0')}`);
  return requestSetup(run.name, run.baseUrl, [...users, OVER_LIMIT_USER]);
}
export const handleSummary = run.handleSummary;

const url = `${run.baseUrl}${API_PATH}`;
const request = (user: string, setupData: unknown) =>
  turnRequest({ scenario: run.name, baseUrl: run.baseUrl, user, setup: setupData, builtIn: userGet(url, USER_HEADER, user) });

export function burst(setupData: unknown): void {
  const user = currentUser(USERS);
  wellBehavedRequest({ request: request(user, setupData), user, timeout: REQUEST_TIMEOUT });
}

export function overLimit(setupData: unknown): void {
  // A real client is no metronome: up to half an interval of jitter. It also keeps a
  // round-robin balancer from aliasing: at 500 + 20 req/s every 26th request is this user's,
  // and an even period would send all of them to the same one of two instances.
  sleep((Math.random() * 0.5) / OVER_RATE);
  overLimitRequest(
    { request: request(OVER_LIMIT_USER, setupData), user: OVER_LIMIT_USER, timeout: REQUEST_TIMEOUT },
    LIMIT,
    RATELIMIT_HEADERS === 'require',
  );
}
