// What a pileup of slow calls does, measured from the client: rejections must come back at once
// (a 429/503 that takes seconds protects nothing), and while the upstream is down the slow
// endpoint must fail fast instead of holding the caller.
import http from 'k6/http';
import { Trend } from 'k6/metrics';
import { PREFIX } from '../fail.ts';
import { trackFailure } from './metrics.ts';

/** Time to answer 429 or 503: a limit or an open circuit saying no. */
export const rejectionDuration = new Trend('rejection_duration', true);

/** Time to answer a failed slow call while the upstream is down. */
export const outageFailureDuration = new Trend('outage_failure_duration', true);

export function slowCall(url: string, userHeader: string, user: string, timeout: string, phase: string): void {
  const started = Date.now();
  const res = http.get(url, { headers: { [userHeader]: user }, timeout });
  trackFailure(res);
  if (res.status === 429 || res.status === 503) rejectionDuration.add(res.timings.duration);
  // The caller's whole wait, which for a request that timed out is the timeout itself.
  if (phase === 'outage' && !(res.status >= 200 && res.status < 300)) outageFailureDuration.add(Date.now() - started);
}

/** Flips the reference target's upstream into `mode` (none, errors, hang); false if it cannot. */
export function switchOutage(url: string, mode: string): boolean {
  const res = http.post(`${url}?mode=${mode}`, null, { tags: { name: 'outage switch' } });
  if (res.status !== 200) {
    console.warn(
      `${PREFIX} cannot switch the upstream outage at ${url} (${res.status === 0 ? res.error : `HTTP ${res.status}`}); the outage phase is load only`,
    );
    return false;
  }
  return true;
}
