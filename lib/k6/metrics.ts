// The pack's own k6 metrics, each created once here so every scenario names them alike.
import { Counter, Rate } from 'k6/metrics';
import type { RefinedResponse, ResponseType } from 'k6/http';
import { classify } from '../failure-modes.ts';

/** Every failed request, tagged failure_mode (emfile, conn_reset, http_5xx...). */
export const failedRequests = new Counter('failed_requests');

/** Whether a request went over an already-open connection (no TCP connect in its timings). */
export const connectionReused = new Rate('connection_reused');

/**
 * Counts `res` in failed_requests if it failed; `expected` statuses (e.g. 429 where the limit is
 * the right answer) are not failures. Returns the failure mode, or null.
 */
export function trackFailure(res: RefinedResponse<ResponseType | undefined>, expected: readonly number[] = []) {
  const mode = classify(res, expected);
  if (mode !== null) failedRequests.add(1, { failure_mode: mode });
  return mode;
}
