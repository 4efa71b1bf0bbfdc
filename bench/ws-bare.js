// The floor of the ws-profile benchmark: stock k6/websockets holding CONNECTIONS sockets, many
// per VU, opened over RAMP_MS and closed after HOLD_MS, with no handler, timer, ping or message
// of the script's own. What k6 charges per connection here, no script can cut.
import { WebSocket } from 'k6/websockets';
import { setTimeout } from 'k6/timers';
import exec from 'k6/execution';

const URL = __ENV.WS_URL;
const CONNECTIONS = Number(__ENV.CONNECTIONS);
const SLOTS = Math.ceil(CONNECTIONS / Number(__ENV.SOCKETS_PER_VU));
const RAMP_MS = Number(__ENV.RAMP_MS);
const HOLD_MS = Number(__ENV.HOLD_MS);

export const options = {
  scenarios: {
    hold: {
      executor: 'per-vu-iterations',
      vus: SLOTS,
      iterations: 1,
      maxDuration: `${Math.ceil((RAMP_MS + HOLD_MS) / 1000) + 30}s`,
    },
  },
};

export default function () {
  const slot = exec.scenario.iterationInTest;
  const t0 = exec.scenario.startTime;
  const sockets = [];
  for (let g = slot; g < CONNECTIONS; g += SLOTS) {
    setTimeout(() => sockets.push(new WebSocket(URL)), Math.max(0, t0 + (g / CONNECTIONS) * RAMP_MS - Date.now()));
  }
  setTimeout(
    () => {
      for (const ws of sockets) if (ws.readyState === 1) ws.close();
    },
    Math.max(0, t0 + RAMP_MS + HOLD_MS - Date.now()),
  );
}
