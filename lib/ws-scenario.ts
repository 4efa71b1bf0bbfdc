// What ws-hold and ws-throughput share: their knobs, the probe of the ws target (connections
// open as it counts them, its RSS and RSS per 1,000 connections), and the per-vu-iterations
// scenario that holds the sockets.
import type { Scenario } from 'k6/options';
import { duration, httpPath, int } from './options.ts';
import { PROBE_KNOBS, targetProbe } from './probe.ts';
import type { SocketPlan } from './ws-sockets.ts';

export const WS_KNOBS = {
  CONNECTIONS: int(1, 1_000_000),
  SOCKETS_PER_VU: int(1, 5_000),
  RAMP: duration(0, 3600),
  // Seed 002's "small messages": under 1 KB.
  MESSAGE_BYTES: int(32, 1023),
  WS_PATH: httpPath('/ws'),
  ...PROBE_KNOBS,
};

// Below this many connections RSS per connection is mostly the process's own baseline noise.
const MIN_CONNECTIONS_FOR_PER_CONNECTION = 100;

/** ws://host:port/path from the scenario's http(s) BASE_URL: the preflight and probe stay HTTP. */
export function wsUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/^http/, 'ws') + path;
}

/** The probe of the ws target, with RSS growth per 1,000 open connections derived from it. */
export function wsProbe(k: { PROBE_URL: string; PROBE_INTERVAL: string; PROBE_METRICS: ReturnType<typeof PROBE_KNOBS.PROBE_METRICS.parse> & object }, baseUrl: string, seconds: number) {
  return targetProbe({
    url: k.PROBE_URL || `${baseUrl}/metrics`,
    interval: k.PROBE_INTERVAL,
    mappings: k.PROBE_METRICS,
    seconds,
    derived: {
      // Growth over the first scrape (before the ramp), so the workers' own baseline is not
      // charged to the connections, as seed 002's "per 1,000 connections" means.
      target_rss_per_1000_connections_bytes: (v) =>
        v.target_ws_open !== undefined && v.target_ws_open >= MIN_CONNECTIONS_FOR_PER_CONNECTION && v.target_rss_growth_bytes !== undefined
          ? (v.target_rss_growth_bytes / v.target_ws_open) * 1000
          : undefined,
    },
  });
}

/** One iteration per VU, each VU its share of the sockets; k6 splits the VUs over segments. */
export function holdScenario(plan: SocketPlan, socketsPerVu: number): Scenario {
  const seconds = (plan.rampMs + plan.holdMs) / 1000;
  return {
    executor: 'per-vu-iterations',
    vus: Math.ceil(plan.connections / socketsPerVu),
    iterations: 1,
    // Room for the closing handshakes after the hold.
    maxDuration: `${Math.ceil(seconds + 30)}s`,
    gracefulStop: '10s',
    exec: 'holdSockets',
  };
}
