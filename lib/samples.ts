// A gate on a metric that got no samples must not pass. k6 judges an empty Trend on zeros
// (p(95)<100 holds) and has no count on Trend thresholds, so each such gate gets a companion:
// a Counter that grows with the gated samples, required to be at least 1 with the same tag
// filter. A gate with no samples then fails as "not measured", unless the user accepts that
// with -e UNMEASURED=<metric>. Pure: unit-tested in Node.
import type { Thresholds } from './thresholds.ts';

/** The companion rule: at least one sample. Written this way so a report read back knows it. */
export const SAMPLE_RULE = 'count>=1';

/** The Counter the probe adds 1 to, tagged metric=<k6 name>, for every value it records. */
export const PROBE_READINGS = 'target_readings';

// Sampled once per HTTP request: k6's own per-request metrics, the pack's connection_reused and
// checks (the pack checks HTTP answers). http_reqs counts every request they sample.
const PER_REQUEST = new Set([
  'checks',
  'connection_reused',
  'http_req_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
  'http_req_failed',
]);

/** "http_req_duration{scenario:burst}" -> { metric: "http_req_duration", tags: "scenario:burst" }. */
export function splitKey(key: string): { metric: string; tags: string } {
  const brace = key.indexOf('{');
  return brace < 0 ? { metric: key, tags: '' } : { metric: key.slice(0, brace), tags: key.slice(brace + 1, -1).trim() };
}

/** A sub-metric key with one more tag: ("http_reqs{scenario:load}", "stage", "100") -> "http_reqs{scenario:load,stage:100}". */
export function withTag(key: string, tag: string, value: string): string {
  const { metric, tags } = splitKey(key);
  return `${metric}{${tags === '' ? '' : `${tags},`}${tag}:${value}}`;
}

/**
 * Each gate whose filter holds `placeholder` (e.g. "capacity:required") judged on each of
 * `into` in its place ("stage:100", "stage:250"...): one gate per stage, so one unhealthy stage
 * fails on its own. With `into` empty such gates drop out (the caller lists them as not gated).
 */
export function expandPlaceholder(thresholds: Thresholds, placeholder: string, into: readonly string[]): Thresholds {
  const out: Thresholds = {};
  for (const [key, rules] of Object.entries(thresholds)) {
    const { metric, tags } = splitKey(key);
    const parts = tags.split(',').map((t) => t.trim());
    if (!parts.includes(placeholder)) {
      out[key] = [...(out[key] ?? []), ...rules];
      continue;
    }
    const rest = parts.filter((t) => t !== placeholder);
    for (const filter of into) {
      const expanded = `${metric}{${[...rest, filter].join(',')}}`;
      out[expanded] = [...(out[expanded] ?? []), ...rules];
    }
  }
  return out;
}

/**
 * The Counter (with the gate's own tag filter) that counts the samples of the gate `key`, or
 * undefined where the pack knows none: a Counter gate (no events is a reading), or a metric of
 * the pack's own that always samples when its load ran.
 */
export function samplesOf(key: string): string | undefined {
  const { metric, tags } = splitKey(key);
  if (PER_REQUEST.has(metric)) return tags === '' ? 'http_reqs' : `http_reqs{${tags}}`;
  if (metric.startsWith('target_') && metric !== PROBE_READINGS) {
    return `${PROBE_READINGS}{metric:${metric}${tags === '' ? '' : `,${tags}`}}`;
  }
  return undefined;
}

/** Metric names UNMEASURED may name in `thresholds`: those of gates that need samples. */
export function measurableMetrics(thresholds: Thresholds): string[] {
  return [
    ...new Set(
      Object.keys(thresholds)
        .filter((k) => samplesOf(k) !== undefined)
        .map((k) => splitKey(k).metric),
    ),
  ].sort();
}

/**
 * `thresholds` plus a SAMPLE_RULE on each gate's companion, except for the metrics in
 * `accepted` (UNMEASURED): those gates judge what samples they get, and none is no failure.
 */
export function requireSamples(thresholds: Thresholds, accepted: readonly string[] = []): Thresholds {
  const out: Thresholds = { ...thresholds };
  for (const key of Object.keys(thresholds)) {
    const companion = samplesOf(key);
    if (companion === undefined || accepted.includes(splitKey(key).metric)) continue;
    const rules = out[companion] ?? [];
    if (!rules.includes(SAMPLE_RULE)) out[companion] = [...rules, SAMPLE_RULE];
  }
  return out;
}
