// WebSocket throughput (seed 002's server targets): CONNECTIONS sockets, RATE small messages a
// second across them once all are open, every echo checked and timed. P99 < 10 ms, and the
// target's memory under 100 MB per 1,000 connections.
import { defineScenario } from '../lib/scenario.ts';
import { duration, durationSeconds, num } from '../lib/options.ts';
import { holdSlot, type SocketPlan } from '../lib/ws-sockets.ts';
import { WS_KNOBS, holdScenario, wsProbe, wsUrl } from '../lib/ws-scenario.ts';

const run = defineScenario('ws-throughput', {
  knobs: { ...WS_KNOBS, RATE: num(0.001, 10_000_000), DURATION: duration(1, 24 * 3600) },
});
const k = run.knobs;
const rampMs = durationSeconds(k.RAMP)! * 1000;
const plan: SocketPlan = {
  url: wsUrl(run.baseUrl, k.WS_PATH),
  connections: k.CONNECTIONS,
  slots: Math.ceil(k.CONNECTIONS / k.SOCKETS_PER_VU),
  rampMs,
  holdMs: durationSeconds(k.DURATION)! * 1000,
  pingEveryMs: 0,
  // Each socket its equal share of the rate.
  sendEveryMs: (k.CONNECTIONS / k.RATE) * 1000,
  sendFromMs: rampMs,
  messageBytes: k.MESSAGE_BYTES,
};
const probe = wsProbe(k, run.baseUrl, (plan.rampMs + plan.holdMs) / 1000);

export const options = run.options(
  { scenarios: { hold: holdScenario(plan, k.SOCKETS_PER_VU), probe: probe.scenario } },
  {
    figures: [
      { label: 'messages sent per second (whole run, ramp included)', metric: 'ws_msgs_sent', stat: 'rate' },
      { label: 'echo round trip p99', metric: 'ws_echo_rtt', stat: 'p(99)' },
      { label: 'connections open at the target, max', metric: 'target_ws_open', stat: 'max' },
      { label: 'target RSS per 1,000 connections', metric: 'target_rss_per_1000_connections_bytes', stat: 'max' },
    ],
  },
);

export const setup = run.setup;
export const handleSummary = run.handleSummary;

export function holdSockets(): void {
  holdSlot(plan);
}

export function probeTarget(): void {
  probe.exec();
}
