// Every scenario, the reference target it is written against, and its default knob values per
// profile: the one place that says how big a run is. `full` (the default) is the seed-sized
// run; `smoke` is a CI-sized run of a few seconds that still crosses every code path.
// `-e KEY=value` overrides either.
import type { TargetName } from './reference-targets.ts';

export const PROFILES = ['full', 'smoke'] as const;
export type Profile = (typeof PROFILES)[number];

type Defaults = Record<string, string | number | boolean>;
interface ScenarioEntry {
  /** Its default BASE_URL, and what `npm run demo -- <scenario>` starts. */
  target: TargetName;
  full: Defaults;
  /** Only what differs from `full`. */
  smoke: Defaults;
}

export const SCENARIOS: Record<string, ScenarioEntry> = {
  // Seed 000's staged ramp (100 -> 250 -> 500 -> 750 -> 1000 clients, 10 s each, 30 s at the
  // top); each client sends one echo a second on a new connection (seed 001's echo test) with
  // seed 000's 2 s request timeout.
  echo: {
    target: 'echo',
    full: {
      STAGES: '10s:100,10s:250,10s:500,10s:750,30s:1000,5s:0',
      THINK_TIME: 1,
      PAYLOAD_BYTES: 64,
      REQUEST_TIMEOUT: '2s',
    },
    smoke: { STAGES: '2s:10,4s:10,1s:0', THINK_TIME: 0.05 },
  },
  // The same load twice, one after the other so they do not compete for the CPU: once reusing
  // connections (HTTP keep-alive), once opening a new connection per request.
  'keep-alive': {
    target: 'echo',
    full: {
      STAGES: '10s:200,30s:200,5s:0',
      THINK_TIME: 0.5,
      PAYLOAD_BYTES: 64,
      REQUEST_TIMEOUT: '2s',
    },
    smoke: { STAGES: '1s:10,3s:10,1s:0', THINK_TIME: 0.05 },
  },
  // Seed 003 P1: 100 users each at their 5 req/s burst limit (500 req/s at the origin) for a
  // minute, plus one user at 20 req/s, well over it. LIMIT is what the API promises per user.
  burst: {
    target: 'burst',
    full: {
      USERS: 100,
      RATE: 5,
      DURATION: '60s',
      OVER_RATE: 20,
      LIMIT: 5,
      USER_HEADER: 'X-User-Id',
      API_PATH: '/api/work', // not PATH: k6 passes the shell's environment, PATH included
      REQUEST_TIMEOUT: '10s',
    },
    smoke: { DURATION: '8s' },
  },
  // Seed 003 P0: 100 users at 5 req/s each on an endpoint whose upstream takes 2-3 s: 5 x 3 s
  // = 15 calls in flight per user, 1,500 for 100 users without limits. A canary on a fast
  // endpoint shows the cascade; an upstream outage mid-run shows the breaker.
  'slow-upstream': {
    target: 'slow-upstream',
    full: {
      USERS: 100,
      RATE: 5,
      DURATION: '90s',
      CANARY_RATE: 5,
      OUTAGE_MODE: 'errors',
      OUTAGE_AT: '30s',
      OUTAGE_FOR: '20s',
      RECOVERY: '10s',
      USER_HEADER: 'X-User-Id',
      SLOW_PATH: '/api/slow',
      FAST_PATH: '/api/fast',
      OUTAGE_SWITCH: '/admin/outage',
      REQUEST_TIMEOUT: '60s',
      PROBE_URL: '',
      PROBE_INTERVAL: '1s',
      PROBE_METRICS:
        'target_inflight=http_inflight_requests,target_upstream_inflight=upstream_inflight_calls,' +
        'target_rss_bytes=process_resident_memory_bytes,target_heap_bytes=nodejs_heap_size_used_bytes,' +
        'target_event_loop_lag_seconds=nodejs_eventloop_lag_seconds,target_breaker_state=circuit_breaker_state',
    },
    // 20 users: 250 calls in flight without limits, 2.5x the global limit of 100.
    smoke: { USERS: 20, DURATION: '26s', OUTAGE_AT: '6s', OUTAGE_FOR: '5s', RECOVERY: '10s', REQUEST_TIMEOUT: '10s' },
  },
  // Seed 003 P1: long credit transactions (2 s each on the reference target) against a pool of
  // 60 connections: 30 debits/s at most. 240 clients would need 8 s of queue each, past their 5 s
  // timeout, so the pool runs dry; then a low steady rate shows how long recovery takes. The
  // timeout leaves 2 s above the protected target's worst answer (1 s wait + one 2 s debit).
  'db-pool': {
    target: 'db-pool',
    full: {
      OVERLOAD_STAGES: '10s:240,30s:240',
      REQUEST_TIMEOUT: '5s',
      RECOVERY_RATE: 5,
      RECOVERY_FOR: '60s',
      HEALTHY_LATENCY: '3s',
      AMOUNT: 1,
      DEBIT_PATH: '/api/debit',
      LEDGER_PATH: '/api/ledger',
      PROBE_URL: '',
      PROBE_INTERVAL: '1s',
      PROBE_METRICS:
        'target_pool_waiting=db_pool_waiting,target_pool_idle=db_pool_idle,target_pool_total=db_pool_total,' +
        'target_db_server_connections=db_server_connections,target_rss_bytes=process_resident_memory_bytes',
    },
    smoke: { OVERLOAD_STAGES: '2s:240,8s:240', RECOVERY_FOR: '20s' },
  },
  // Seed 001: can one box hold 100,000 connections (it stalled near 51,000; it held each 10 s).
  // One k6 process may hold at most 20,000 here, so the full profile holds 10,000 (seed 002's
  // server target) and 100,000 is a split run: npm run fanout -- ws-hold --procs 8 -e CONNECTIONS=100000.
  'ws-hold': {
    target: 'ws',
    full: {
      CONNECTIONS: 10_000,
      SOCKETS_PER_VU: 250,
      RAMP: '30s',
      HOLD: '60s',
      PING_INTERVAL: '10s',
      ECHO_INTERVAL: '10s',
      MESSAGE_BYTES: 64,
      WS_PATH: '/ws',
      PROBE_URL: '',
      PROBE_INTERVAL: '2s',
      PROBE_METRICS: 'target_ws_open=ws_open_connections,target_rss_bytes=ws_rss_bytes',
    },
    smoke: { CONNECTIONS: 300, SOCKETS_PER_VU: 50, RAMP: '3s', HOLD: '5s', PING_INTERVAL: '1s', ECHO_INTERVAL: '1s', PROBE_INTERVAL: '1s' },
  },
  // Seed 002's server targets: 10,000+ connections, 50,000 msg/s of small (< 1 KB) messages,
  // P99 < 10 ms, < 100 MB per 1,000 connections. Messages flow once every socket is open.
  'ws-throughput': {
    target: 'ws',
    full: {
      CONNECTIONS: 10_000,
      SOCKETS_PER_VU: 250,
      RATE: 50_000,
      MESSAGE_BYTES: 256,
      RAMP: '20s',
      DURATION: '60s',
      WS_PATH: '/ws',
      PROBE_URL: '',
      PROBE_INTERVAL: '2s',
      PROBE_METRICS: 'target_ws_open=ws_open_connections,target_rss_bytes=ws_rss_bytes',
    },
    // 1,000 connections: with fewer, the runtime's own heap growth swamps RSS per connection.
    smoke: { CONNECTIONS: 1_000, SOCKETS_PER_VU: 100, RATE: 1_000, RAMP: '3s', DURATION: '8s', PROBE_INTERVAL: '1s' },
  },
};

export function scenarioEntry(scenario: string): ScenarioEntry {
  const entry = SCENARIOS[scenario];
  if (!entry) throw new Error(`lib/profiles.ts has no entry for scenario "${scenario}"`);
  return entry;
}

export function profileDefaults(scenario: string, profile: Profile): Defaults {
  const { full, smoke } = scenarioEntry(scenario);
  return profile === 'full' ? full : { ...full, ...smoke };
}
