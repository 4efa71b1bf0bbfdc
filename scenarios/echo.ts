// Echo (the single-container 1,000-client and 100,000-connections studies): clients ramp up in stages, each sending an echo over a NEW
// connection per request, to find where connecting, not answering, becomes the bottleneck.
import { sleep } from 'k6';
import { defineScenario } from '../lib/k6/scenario.ts';
import { ECHO } from '../lib/catalog/echo.ts';
import { echoOnce } from '../lib/k6/echo-request.ts';

const run = defineScenario(ECHO);
const { STAGES, THINK_TIME, PAYLOAD_BYTES, REQUEST_TIMEOUT } = run.knobs;

export const options = run.options({
  // The 100,000-connections study's echo test opens a connection per request: the path that runs into
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
