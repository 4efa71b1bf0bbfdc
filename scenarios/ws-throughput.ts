// WebSocket throughput (the WebSocket performance guide's server targets): CONNECTIONS sockets, RATE small messages a
// second across them once all are open, every echo checked and timed. P99 < 10 ms, and the
// target's memory under 100 MB per 1,000 connections.
import { defineScenario } from '../lib/k6/scenario.ts';
import { WS_THROUGHPUT } from '../lib/catalog/ws-throughput.ts';
import { durationSeconds } from '../lib/options.ts';
import { basePlan, wsScenario } from '../lib/k6/ws-scenario.ts';

const run = defineScenario(WS_THROUGHPUT);
const k = run.knobs;
const base = basePlan(run);

export const { options, setup, handleSummary, holdSockets, probeTarget } = wsScenario(
  run,
  {
    ...base,
    holdMs: durationSeconds(k.DURATION)! * 1000,
    pingEveryMs: 0,
    // Each socket its equal share of the rate, from the end of the ramp.
    sendEveryMs: (k.CONNECTIONS / k.RATE) * 1000,
    sendFromMs: base.rampMs,
  },
  [
    { label: 'messages sent per second (whole run, ramp included)', metric: 'ws_msgs_sent', stat: 'rate' },
    { label: 'echo round trip p99', metric: 'ws_echo_rtt', stat: 'p(99)' },
    { label: 'connections open at the target, max', metric: 'target_ws_open', stat: 'max' },
    { label: 'target RSS per 1,000 connections', metric: 'target_rss_per_1000_connections_bytes', stat: 'max' },
  ],
);
