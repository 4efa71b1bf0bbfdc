// The echo request both scenarios of the 100,000-connections study send (echo and keep-alive): POST a payload to
// /echo, check it comes back whole, count failures and connection reuse.
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';
import { connectionReused, trackFailure } from './metrics.ts';

/** A payload unique to this VU and iteration, so a mixed-up response fails the check. */
function payload(bytes: number): string {
  // One read of exec.vu: each builds a fresh info object in k6 (6 % of k6's CPU at saturation
  // with two reads a request, in a CPU profile of the echo bench).
  const vu = exec.vu;
  const id = `vu${vu.idInTest}-it${vu.iterationInInstance}-`;
  return (id + 'x'.repeat(Math.max(0, bytes - id.length))).slice(0, bytes);
}

/**
 * One echo. `measureReuse` records connection_reused (only where reuse can happen: it is one
 * more metric sample per request).
 */
export function echoOnce(baseUrl: string, o: { payloadBytes: number; timeout: string; newConnection?: boolean; measureReuse?: boolean }) {
  const body = payload(o.payloadBytes);
  const res = http.post(`${baseUrl}/echo`, body, {
    timeout: o.timeout,
    // Go's HTTP client honours "Connection: close" per request: it dials anew and closes after
    // the response, which is how one run can compare reuse and no reuse side by side.
    headers: { 'Content-Type': 'text/plain', ...(o.newConnection ? { Connection: 'close' } : {}) },
  });
  trackFailure(res);
  if (o.measureReuse) connectionReused.add(res.status !== 0 && res.timings.connecting === 0);
  check(res, { 'echo returns the body': (r) => r.status === 200 && r.body === body });
  return res;
}
