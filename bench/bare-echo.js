// The baseline of the lib-overhead benchmark: the echo scenario's request with nothing of lib/ —
// same executor, same stages, same new connection per request, same body check, and the same
// gates from thresholds.json (k6 evaluating thresholds is k6's cost, not lib's: a bare script
// gating CI would pay it too).
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

const VUS = Number(__ENV.VUS);
const SECONDS = Number(__ENV.SECONDS);
const BYTES = 64;

const gates = JSON.parse(open('../thresholds.json')).echo;
delete gates.$comment;

export const options = {
  noConnectionReuse: true,
  thresholds: gates,
  scenarios: {
    echo: {
      executor: 'ramping-vus',
      stages: [
        { duration: '1s', target: VUS },
        { duration: `${SECONDS}s`, target: VUS },
      ],
    },
  },
};

export default function () {
  const id = `vu${exec.vu.idInTest}-it${exec.vu.iterationInInstance}-`;
  const body = (id + 'x'.repeat(BYTES)).slice(0, BYTES);
  const res = http.post(`${__ENV.BASE_URL}/echo`, body, { headers: { 'Content-Type': 'text/plain' }, timeout: '2s' });
  check(res, { 'echo returns the body': (r) => r.status === 200 && r.body === body });
}

export function handleSummary(data) {
  return { [__ENV.OUT]: JSON.stringify({ requests: data.metrics.http_reqs.values.count, seconds: data.state.testRunDurationMs / 1000 }) };
}
