// Keep-alive (the 100,000-connections study): the same echo load twice in one run, first reusing connections, then
// opening a new one per request, so the summary shows what keep-alive buys side by side.
import { sleep } from 'k6';
import exec from 'k6/execution';
import { defineScenario } from '../lib/k6/scenario.ts';
import { KEEP_ALIVE } from '../lib/catalog/keep-alive.ts';
import { echoOnce } from '../lib/k6/echo-request.ts';
import { durationSeconds } from '../lib/options.ts';

const run = defineScenario(KEEP_ALIVE);
const { STAGES, THINK_TIME, PAYLOAD_BYTES, REQUEST_TIMEOUT } = run.knobs;

// The second half starts once the first has ramped down and its last requests have timed out
// at worst, so the two never share the CPU and their numbers compare fairly.
const stagesSeconds = STAGES.reduce((sum, s) => sum + durationSeconds(s.duration)!, 0);
const halfSeconds = stagesSeconds + durationSeconds(REQUEST_TIMEOUT)!;
const load = { executor: 'ramping-vus', stages: STAGES, gracefulRampDown: REQUEST_TIMEOUT } as const;

export const options = run.options(
  {
    scenarios: {
      reuse: { ...load },
      fresh: { ...load, startTime: `${halfSeconds}s` },
    },
  },
  {
    comparisons: [
      {
        title: 'Keep-alive vs a new connection per request',
        tag: 'scenario',
        columns: { reuse: stagesSeconds, fresh: stagesSeconds },
        rows: [
          { label: 'requests/s', metric: 'http_reqs', stat: 'count', perSecond: true },
          { label: 'latency p50', metric: 'http_req_duration', stat: 'med' },
          { label: 'latency p95', metric: 'http_req_duration', stat: 'p(95)' },
          { label: 'connect p95', metric: 'http_req_connecting', stat: 'p(95)' },
          { label: 'connect avg', metric: 'http_req_connecting', stat: 'avg' },
          { label: 'reused conns', metric: 'connection_reused', stat: 'rate' },
        ],
      },
    ],
  },
);

export const setup = run.setup;
export const handleSummary = run.handleSummary;

export default function (): void {
  echoOnce(run.baseUrl, {
    payloadBytes: PAYLOAD_BYTES,
    timeout: REQUEST_TIMEOUT,
    newConnection: exec.scenario.name === 'fresh',
    measureReuse: true,
  });
  if (THINK_TIME > 0) sleep(THINK_TIME);
}
