// What ws-hold and ws-throughput share: the probe of the ws target (connections
// open as it counts them, its RSS and RSS per 1,000 connections), the per-vu-iterations scenario
// that holds the sockets, and the exports k6 runs. A scenario file says only how its sockets
// behave (SocketPlan) and which figures it shows.
import type { Options, Scenario } from 'k6/options';
import { durationSeconds, type KnobValues } from '../options.ts';
import type { WS_KNOBS } from '../catalog/common.ts';
import { probeConfig, targetProbe, type ProbeReport } from './probe.ts';
import type { Figure, SummaryData } from '../summary.ts';
import { holdSlot, type SocketPlan } from './ws-sockets.ts';

// RSS per connection is read once (nearly) all connections are open: early in the ramp the
// runtime's own heap growth over a few connections would dominate it.
const PER_CONNECTION_FROM = 0.95;

/** The knob values every WebSocket scenario has (lib/catalog/common.ts's WS_KNOBS, read). */
type WsKnobValues = KnobValues<typeof WS_KNOBS>;

/** What defineScenario hands back, as far as a WebSocket scenario uses it. */
interface DefinedScenario {
  baseUrl: string;
  allowedHosts: readonly string[];
  knobs: WsKnobValues;
  gatedMetrics: readonly string[];
  options(own: Options, extra: { figures?: Figure[]; probe?: ProbeReport }): Options;
  setup(): void;
  handleSummary(data: SummaryData): Record<string, string>;
}

/** The plan's common part: where, how many, and the ramp, from the knobs. */
export function basePlan(
  run: DefinedScenario,
): Pick<SocketPlan, 'url' | 'connections' | 'slots' | 'rampMs' | 'maxConnecting' | 'messageBytes'> {
  const k = run.knobs;
  return {
    // ws://host:port/path from the http(s) BASE_URL: the preflight and the probe stay HTTP.
    url: run.baseUrl.replace(/^http/, 'ws') + k.WS_PATH,
    connections: k.CONNECTIONS,
    slots: Math.ceil(k.CONNECTIONS / k.SOCKETS_PER_VU),
    rampMs: durationSeconds(k.RAMP)! * 1000,
    maxConnecting: k.CONNECTING_PER_VU,
    messageBytes: k.MESSAGE_BYTES,
  };
}

/** options, setup, handleSummary and the two exec functions, for the scenario file to export. */
export function wsScenario(run: DefinedScenario, plan: SocketPlan, figures: Figure[]) {
  const probe = targetProbe(
    probeConfig(run, (plan.rampMs + plan.holdMs) / 1000, {
      // Growth over the first scrape (before the ramp), so the workers' own baseline is not
      // charged to the connections, as the WebSocket performance guide's "per 1,000 connections" means.
      target_rss_per_1000_connections_bytes: {
        from: (v) =>
          v.target_ws_open === undefined ||
          v.target_ws_open < PER_CONNECTION_FROM * plan.connections ||
          v.target_rss_growth_bytes === undefined
            ? undefined
            : (v.target_rss_growth_bytes / v.target_ws_open) * 1000,
        needs: `target_ws_open at ${PER_CONNECTION_FROM * 100} % of CONNECTIONS or more, and target_rss_bytes`,
      },
    }),
  );
  const hold: Scenario = {
    // One iteration per VU, each VU its share of the sockets; k6 splits the VUs over segments.
    executor: 'per-vu-iterations',
    vus: plan.slots,
    iterations: 1,
    // Room for a ramp that falls behind until its deadline (twice its length plus HOLD), then
    // HOLD after its last open, the wait for echoes owed, and the closing handshakes.
    maxDuration: `${Math.ceil((2 * plan.rampMs + 2 * plan.holdMs) / 1000 + 30)}s`,
    gracefulStop: '10s',
    exec: 'holdSockets',
  };
  return {
    options: run.options({ scenarios: { hold, probe: probe.scenario } }, { figures, probe }),
    setup: run.setup,
    handleSummary: run.handleSummary,
    holdSockets: () => holdSlot(plan),
    probeTarget: () => probe.exec(),
  };
}
