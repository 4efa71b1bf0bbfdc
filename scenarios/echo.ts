// Echo (seeds 000 and 001): clients ramp up in stages, each sending an echo over a NEW
// connection per request, to find where connecting, not answering, becomes the bottleneck.
import { sleep } from 'k6';
import { defineScenario } from '../lib/k6/scenario.ts';
import { ECHO_KNOBS, echoOnce } from '../lib/k6/echo-request.ts';

const run = defineScenario('echo', { knobs: ECHO_KNOBS });
const { STAGES, THINK_TIME, PAYLOAD_BYTES, REQUEST_TIMEOUT } = run.knobs;

export const options = run.options({
  // Seed 001's echo test opens a connection per request: the path that runs into
  // "too many open files" and "cannot assign requested address" first.
  noConnectionReuse: true,
  scenarios: {
    echo: {
      executor: 'ramping-vus',
      stages: STAGES,
      // A VU caught mid-request at ramp-down gets one request timeout to finish it.
      gracefulRampDown: REQUEST_TIMEOUT,
    },
  },
});

export const setup = run.setup;
export const handleSummary = run.handleSummary;

export default function (): void {
  echoOnce(run.baseUrl, { payloadBytes: PAYLOAD_BYTES, timeout: REQUEST_TIMEOUT });
  if (THINK_TIME > 0) sleep(THINK_TIME); // at saturation (0) not even a call into k6
}
