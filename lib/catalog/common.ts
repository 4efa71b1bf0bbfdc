// Knobs more than one scenario has: the ones every scenario has (where the load goes, where the
// results go), the probe of the target's own metrics, and the WebSocket scenarios' shared set.
import { parseProbeMetrics, parseProbeUrls, type ProbeMapping } from '../prometheus.ts';
import { bool, duration, hostList, httpPath, int, metricList, oneOf, text, url, type Knob } from '../options.ts';
import { REFERENCE_TARGETS, referenceUrl, type TargetName } from '../reference-targets.ts';
import { knob, PROFILES, type Raw } from './knob.ts';

/** Read first, on its own: it picks every other knob's default. */
export const PROFILE_KNOB = knob(oneOf(...PROFILES), 'full: the size the study asks for; smoke: a few seconds, for CI', {
  full: 'full',
});

/** The knobs every scenario has; their defaults point at the scenario's reference target. */
export function commonKnobs(target: TargetName) {
  return {
    BASE_URL: knob(url(), 'the service under test', { full: referenceUrl(target), shown: "the scenario's reference target" }),
    HEALTH_PATH: knob(httpPath('/healthz'), 'what setup() asks before the load to check something answers (any HTTP status will do)', {
      full: REFERENCE_TARGETS[target].healthPath,
    }),
    ALLOWED_HOSTS: knob(hostList(), 'hosts other than loopback you allow load to go to', { full: '' }),
    RESULTS_DIR: knob(
      text(/^\S+$/, 'a directory path (relative to where k6 runs) with no spaces'),
      'where the JSON, JUnit and verdict page (HTML) go',
      {
        full: 'results',
      },
    ),
    THRESHOLDS_FILE: knob(
      text(/^\S*$/, 'a path to a thresholds JSON file with no spaces'),
      "another thresholds file (absolute, or relative to where k6 runs); empty: the pack's thresholds.json",
      { full: '' },
    ),
    SKIP_PREFLIGHT: knob(bool(), "skip setup()'s is-the-target-up request", { full: false }),
    UNMEASURED: knob(
      metricList(),
      'metrics whose gates may go without samples (your service has no such metric): judged if measured, not failed if not',
      { full: '' },
    ),
  };
}

/** The probe of the target's Prometheus metrics; `metrics` is what the reference target exposes. */
export function probeKnobs(metrics: string, interval: { full: Raw; smoke?: Raw } = { full: '1s' }) {
  return {
    PROBE_URL: knob(
      text(/^(https?:\/\/\S+)?$/, 'an http(s) URL of a Prometheus text endpoint (empty: BASE_URL + /metrics)'),
      "the service's own Prometheus text endpoint, the probe's endpoint `service`",
      { full: '', shown: 'BASE_URL + /metrics' },
    ),
    PROBE_URLS: knob(
      {
        allowed: 'comma-separated name=url pairs, e.g. redis=http://127.0.0.1:9121/metrics,origin=http://127.0.0.1:9100/metrics',
        parse: parseProbeUrls,
      } as Knob<Record<string, string>>,
      "more Prometheus endpoints to scrape (a store's exporter, another process), each named for PROBE_METRICS to read with @name; naming service here replaces PROBE_URL",
      { full: '' },
    ),
    PROBE_INTERVAL: knob(duration(0.05, 3600), 'how often the probe samples', interval),
    PROBE_METRICS: knob(
      {
        allowed:
          'comma-separated k6_name=selector[*factor][@endpoint], PromQL matchers (=, !=, =~, !~), e.g. target_inflight=http_inflight_requests,target_kv_store_writes=redis_commands_total{cmd=~"set|expire"}@redis',
        parse: parseProbeMetrics,
      } as Knob<ProbeMapping[]>,
      "which Prometheus series become which k6 metric; the matching series are summed, and so are a name's several selectors; *factor scales (ns to s: *1e-9); @endpoint names a PROBE_URLS endpoint (default: service)",
      { full: metrics },
    ),
  };
}

/**
 * The fault proxy (npm run faults, docs/faults.md): with FAULTS_URL a scenario injects its faults
 * into your dependency through the proxy named FAULT_PROXY, at its timeline's moments.
 */
export function faultKnobs(proxy: string) {
  return {
    FAULTS_URL: knob(
      text(/^(https?:\/\/\S+)?$/, 'an http(s) URL, the address npm run faults prints (empty: no faults injected)'),
      'the fault proxy (npm run faults): the scenario injects its faults into your dependency through it',
      { full: '' },
    ),
    FAULT_PROXY: knob(
      text(/^[a-z][a-z0-9_-]{0,31}$/, 'a proxy name as npm run faults was given it'),
      'the proxy in front of the dependency the faults go to',
      {
        full: proxy,
      },
    ),
  };
}

/** What ws-hold and ws-throughput share (their sizes are set by each). */
export const WS_KNOBS = {
  CONNECTIONS: knob(int(1, 1_000_000), 'WebSockets in the whole test (all VUs, all processes of a split run)'),
  SOCKETS_PER_VU: knob(int(1, 5_000), 'sockets each VU holds (one VU per socket would cost 1-5 MB each)'),
  RAMP: knob(duration(0, 3600), 'time over which the sockets open, evenly spread'),
  // Off by default: a ramp that waits on the target hides a target too slow to accept it.
  CONNECTING_PER_VU: knob(
    int(0, 5_000),
    'handshakes a VU has under way at most before it opens its next socket (0: no limit); the ramp then goes at the pace the target accepts, and ws_open_lag says how far behind it fell',
    { full: 0 },
  ),
  // The performance guide's "small messages": under 1 KB.
  MESSAGE_BYTES: knob(int(32, 1023), 'size of each message'),
  WS_PATH: knob(httpPath('/ws'), 'the WebSocket path on BASE_URL (http(s):// becomes ws(s)://)', { full: '/ws' }),
  ...probeKnobs('target_ws_open=ws_open_connections,target_rss_bytes=ws_rss_bytes', { full: '2s', smoke: '1s' }),
};
