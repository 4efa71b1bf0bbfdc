// What a per-user rate limit must do, measured from the client: well-behaved users are never
// refused, a user over the limit gets about the limit and no more, and every refusal is a 429
// that says when to come back (a valid Retry-After, RFC 9110). The draft RateLimit fields are
// reported, and required only with RATELIMIT_HEADERS=require: nginx and most gateways send none.
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import { headerOf, isValidRetryAfter, rateLimitFields } from '../http-headers.ts';
import { trackFailure } from './metrics.ts';
import type { ResolvedRequest } from '../request.ts';
import { send } from './send.ts';

/** Share of well-behaved users' requests answered 429: must be 0. */
export const falsePositives = new Rate('rate_limit_false_positives');

/**
 * The over-limit user's admitted requests in units of its limit: each admitted request adds
 * 1/LIMIT, so the counter's rate (per second over the run) is the admitted rate divided by the
 * limit. 1.0 means "exactly the limit"; the burst allowance adds BURST/(LIMIT x duration).
 */
export const overLimitAdmitted = new Counter('over_limit_admitted_per_limit');

/** Share of the over-limit user's refusals that are a 429 with a valid Retry-After (and the RateLimit fields, when required). */
export const refusalsWellFormed = new Rate('over_limit_refusals_well_formed');
/** Share of refusals carrying any draft RateLimit field: reported, not a gate by default. */
export const refusalsWithRateLimitFields = new Rate('over_limit_refusals_with_ratelimit_fields');
/** RateLimit-Limit and -Remaining as refusals state them, where they do. */
export const rateLimitLimit = new Trend('over_limit_ratelimit_limit');
export const rateLimitRemaining = new Trend('over_limit_ratelimit_remaining');

// 429 is the right answer to a user over its limit: not a failure of http_req_failed.
const limitIsExpected = http.expectedStatuses({ min: 200, max: 399 }, 429);

export interface UserRequest {
  /** What to send: the scenario's GET with the user's header, or a request module's (lib/k6/user-request.ts). */
  request: ResolvedRequest;
  /** The user, for the tag. */
  user: string;
  timeout: string;
}

/** The scenario's own request: GET `url` with the user named in `userHeader`. */
export const userGet = (url: string, userHeader: string, user: string): ResolvedRequest => ({
  method: 'GET',
  url,
  headers: { [userHeader]: user },
  body: null,
});

/**
 * Users' arrivals as k6 wants a rate (an integer per time unit), to a thousandth of a request
 * per second. VUs: enough for answers taking 100 ms up front, and up to a second's worth of
 * requests in flight before k6 starts dropping iterations (counted in dropped_iterations).
 */
export function userArrivals(perSecond: number, duration: string, gracefulStop: string) {
  return {
    executor: 'constant-arrival-rate' as const,
    rate: Math.round(perSecond * 1000),
    timeUnit: '1000s',
    duration,
    preAllocatedVUs: Math.ceil(perSecond * 0.1) + 5,
    maxVUs: Math.ceil(perSecond) + 10,
    gracefulStop,
  };
}

/** A request from a user who keeps to the limit: any 429 is a false positive. */
export function wellBehavedRequest(r: UserRequest): void {
  const res = send(r.request, { tags: { user: r.user }, timeout: r.timeout });
  trackFailure(res);
  falsePositives.add(res.status === 429);
}

/** A request from the user over the limit: admitted or refused with 429, both expected. */
export function overLimitRequest(r: UserRequest, limit: number, requireRateLimitFields: boolean): void {
  const res = send(r.request, { tags: { user: r.user }, timeout: r.timeout, responseCallback: limitIsExpected });
  trackFailure(res, [429]);
  if (res.status >= 200 && res.status < 300) {
    overLimitAdmitted.add(1 / limit);
    return;
  }
  const fields = rateLimitFields(res.headers);
  refusalsWithRateLimitFields.add(fields.present);
  if (fields.limit !== undefined) rateLimitLimit.add(fields.limit);
  if (fields.remaining !== undefined) rateLimitRemaining.add(fields.remaining);
  refusalsWellFormed.add(
    res.status === 429 && isValidRetryAfter(headerOf(res.headers, 'Retry-After')) && (fields.present || !requireRateLimitFields),
  );
}
