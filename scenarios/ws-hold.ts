// WebSocket hold (the 100,000-connections study): ramp to CONNECTIONS WebSockets, many per VU, hold them HOLD with
// pings and echo checks, close them cleanly. Does every handshake succeed, and does every
// connection survive the hold? 100,000 needs several k6 processes: npm run fanout.
// PING_INTERVAL 0 sends no pings; ECHO_INTERVAL cannot be 0: the echo gate needs echoes.
import { defineScenario } from '../lib/k6/scenario.ts';
import { WS_HOLD } from '../lib/catalog/ws-hold.ts';
import { durationSeconds } from '../lib/options.ts';
import { basePlan, wsScenario } from '../lib/k6/ws-scenario.ts';

const run = defineScenario(WS_HOLD);
const k = run.knobs;

export const { options, setup, handleSummary, holdSockets, probeTarget } = wsScenario(
  run,
  {
    ...basePlan(run),
    holdMs: durationSeconds(k.HOLD)! * 1000,
    pingEveryMs: durationSeconds(k.PING_INTERVAL)! * 1000,
    sendEveryMs: durationSeconds(k.ECHO_INTERVAL)! * 1000,
    sendFromMs: 0,
  },
  [
    { label: 'connections open at the target, max', metric: 'target_ws_open', stat: 'max' },
    { label: 'target RSS per 1,000 connections', metric: 'target_rss_per_1000_connections_bytes', stat: 'max' },
    { label: 'handshake p95', metric: 'ws_connecting', stat: 'p(95)' },
    { label: 'ping round trip p95', metric: 'ws_ping', stat: 'p(95)' },
  ],
);
