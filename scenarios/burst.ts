// Burst (the Go-API resilience study, P1 and P3): USERS users each at RATE req/s at once, plus one user well over the
// limit, against a per-user rate limiter: is the origin fast at 500 req/s, is the noisy user
// cut off at its limit, and does nobody else get a 429?
import { sleep } from 'k6';
import { defineScenario } from '../lib/k6/scenario.ts';
import { BURST } from '../lib/catalog/burst.ts';
import { currentUser } from '../lib/k6/users.ts';
import { overLimitRequest, userArrivals, wellBehavedRequest } from '../lib/k6/burst-client.ts';

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

export const setup = run.setup;
export const handleSummary = run.handleSummary;

const url = `${run.baseUrl}${API_PATH}`;

export function burst(): void {
  wellBehavedRequest({ url, userHeader: USER_HEADER, user: currentUser(USERS), timeout: REQUEST_TIMEOUT });
}

export function overLimit(): void {
  // A real client is no metronome: up to half an interval of jitter. It also keeps a
  // round-robin balancer from aliasing: at 500 + 20 req/s every 26th request is this user's,
  // and an even period would send all of them to the same one of two instances.
  sleep((Math.random() * 0.5) / OVER_RATE);
  overLimitRequest({ url, userHeader: USER_HEADER, user: 'over-limit', timeout: REQUEST_TIMEOUT }, LIMIT, RATELIMIT_HEADERS === 'require');
}
