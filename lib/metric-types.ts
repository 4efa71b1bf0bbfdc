// Each k6 metric's type by name, for what reads samples back without k6's summary (the verdict
// over InfluxDB: InfluxDB keeps a value per point, not whether it was a Counter or a Trend, and
// "rate" means a share for a Rate but per second for a Counter). k6's built-in metrics, and the
// pack's own (test/unit/metric-types.test.ts checks every `new Counter('...')`... in lib/ and
// scenarios/ is here); the probe's target_* metrics are Trends.
import type { SummaryMetric } from './summary.ts';

export type MetricType = SummaryMetric['type'];

const K6_BUILTIN: Record<string, MetricType> = {
  vus: 'gauge',
  vus_max: 'gauge',
  iterations: 'counter',
  iteration_duration: 'trend',
  dropped_iterations: 'counter',
  data_sent: 'counter',
  data_received: 'counter',
  checks: 'rate',
  group_duration: 'trend',
  http_reqs: 'counter',
  http_req_failed: 'rate',
  http_req_duration: 'trend',
  http_req_blocked: 'trend',
  http_req_connecting: 'trend',
  http_req_tls_handshaking: 'trend',
  http_req_sending: 'trend',
  http_req_waiting: 'trend',
  http_req_receiving: 'trend',
  ws_connecting: 'trend',
  ws_session_duration: 'trend',
  ws_sessions: 'counter',
  ws_msgs_sent: 'counter',
  ws_msgs_received: 'counter',
  ws_ping: 'trend',
};

/** The pack's own metrics (lib/k6/, scenarios/), with the probe's counter of readings. */
export const PACK_METRICS: Record<string, MetricType> = {
  failed_requests: 'counter',
  connection_reused: 'rate',
  debits_lost: 'counter',
  debits_phantom: 'counter',
  consistency_mismatches: 'counter',
  time_to_first_503_seconds: 'trend',
  recovery_seconds: 'trend',
  over_limit_admitted_per_limit: 'counter',
  rate_limit_false_positives: 'rate',
  over_limit_refusals_well_formed: 'rate',
  over_limit_refusals_with_ratelimit_fields: 'rate',
  over_limit_ratelimit_limit: 'trend',
  over_limit_ratelimit_remaining: 'trend',
  rejection_duration: 'trend',
  outage_failure_duration: 'trend',
  health_duration: 'trend',
  ws_unexpected_closes: 'counter',
  ws_established: 'rate',
  ws_echo_ok: 'rate',
  ws_echo_rtt: 'trend',
  ws_send_lag: 'trend',
  ws_open_lag: 'trend',
  auth_invalid_rejected: 'rate',
  auth_legit_refused: 'rate',
  lb_replica_share: 'rate',
  lb_slow_replica_share_of_even: 'trend',
  lb_user_moved: 'rate',
  lb_replica_unnamed: 'rate',
  writes_lost: 'counter',
  writes_applied_twice: 'counter',
  writes_status_url_given: 'rate',
  writes_queued: 'rate',
  queue_drained_after_seconds: 'trend',
  queue_reclaimed_in_run: 'trend',
  writes_unanswered: 'counter',
  // The probe's and the reports' (lib/k6/probe.ts, lib/resources.ts, lib/kv-report.ts).
  generator_lag: 'trend',
  target_readings: 'counter',
  resource_exhausted_seconds: 'trend',
  kv_projected_writes_per_day: 'trend',
};

/** Trends of times (k6 shows them in ms): k6's own and the pack's `new Trend(name, true)`. */
const TIME_TRENDS = new Set([
  ...Object.keys(K6_BUILTIN).filter((m) => K6_BUILTIN[m] === 'trend'),
  'rejection_duration',
  'outage_failure_duration',
  'health_duration',
  'ws_echo_rtt',
  'ws_send_lag',
  'ws_open_lag',
  'generator_lag',
]);

/** What a metric's values are, as k6's summary says it: times, bytes, or plain numbers. */
export function metricContains(metric: string): SummaryMetric['contains'] {
  if (TIME_TRENDS.has(metric)) return 'time';
  return metric === 'data_sent' || metric === 'data_received' ? 'data' : 'default';
}

/** The type of `metric`, or undefined for a name the pack does not know (a user's own metric). */
export function metricType(metric: string, extra: Readonly<Record<string, MetricType>> = {}): MetricType | undefined {
  return extra[metric] ?? K6_BUILTIN[metric] ?? PACK_METRICS[metric] ?? (metric.startsWith('target_') ? 'trend' : undefined);
}
