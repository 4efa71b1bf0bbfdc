// One verdict over a test's raw samples, however many k6 processes sent them (k6-operator's
// runners, fanout's processes): each gate of a thresholds section evaluated over all points at
// once, as one k6 process would have. Counts and shares are sums; percentiles are exact, k6's
// own method (metrics/sink.go: linear interpolation between the closest ranks of the sorted
// values). The result is k6's summary data, so the run's own report (lib/summary.ts) prints it.
import type { SummaryData, SummaryMetric } from './summary.ts';
import { metricContains, type MetricType } from './metric-types.ts';
import { splitKey } from './samples.ts';
import { parseExpression, expressionOf, type Thresholds } from './thresholds.ts';

export interface Point {
  /** Milliseconds since the epoch. */
  t: number;
  v: number;
}

/** k6's percentile of sorted values: pct in 0..1. */
export function percentile(sorted: readonly number[], pct: number): number {
  if (sorted.length === 0) return 0;
  if (sorted.length === 1) return sorted[0]!;
  const i = pct * (sorted.length - 1);
  const lo = sorted[Math.floor(i)]!;
  const hi = sorted[Math.ceil(i)]!;
  return lo + (hi - lo) * (i - Math.floor(i));
}

/** The values k6's summary gives a metric of `type` over `points`, for a test of `seconds`. */
export function statsOf(
  type: MetricType,
  points: readonly Point[],
  seconds: number,
  percentiles: readonly number[] = [],
): Record<string, number> {
  if (type === 'counter') {
    const count = points.reduce((s, p) => s + p.v, 0);
    return { count, rate: seconds > 0 ? count / seconds : 0 };
  }
  if (type === 'rate') {
    const passes = points.filter((p) => p.v !== 0).length;
    return { passes, fails: points.length - passes, rate: points.length === 0 ? 0 : passes / points.length };
  }
  if (type === 'gauge') {
    if (points.length === 0) return { value: 0, min: 0, max: 0 };
    const last = points.reduce((a, b) => (b.t >= a.t ? b : a));
    return { value: last.v, min: Math.min(...points.map((p) => p.v)), max: Math.max(...points.map((p) => p.v)) };
  }
  const sorted = points.map((p) => p.v).sort((a, b) => a - b);
  const n = sorted.length;
  const out: Record<string, number> = {
    count: n,
    min: n === 0 ? 0 : sorted[0]!,
    max: n === 0 ? 0 : sorted[n - 1]!,
    avg: n === 0 ? 0 : sorted.reduce((s, v) => s + v, 0) / n,
    med: percentile(sorted, 0.5),
  };
  for (const p of new Set([90, 95, 99, ...percentiles])) out[`p(${p})`] = percentile(sorted, p / 100);
  return out;
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '===': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

/** Whether `values` meet `expression` ("p(95)<100"); a stat the values lack does not. */
export function meets(values: Readonly<Record<string, number>>, expression: string): boolean {
  const e = parseExpression(expression);
  if (!e) return false;
  const v = values[e.stat];
  return v !== undefined && COMPARE[e.op]!(v, e.bound);
}

/** The percentiles (as numbers) a section's expressions ask about. */
export function percentilesAsked(thresholds: Thresholds): number[] {
  return Object.values(thresholds)
    .flat()
    .map((rule) => /^p\((\d+(?:\.\d+)?)\)$/.exec(parseExpression(expressionOf(rule))?.stat ?? '')?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number);
}

export interface GateSamples {
  type: MetricType;
  points: readonly Point[];
}

/**
 * k6's summary data for the gates of `thresholds` (by key, with their points) plus the metrics
 * the report reads besides (`extra`: http_reqs, failed_requests by mode), judged over `seconds`.
 * A Rate or Trend gate with no points fails, as the pack's runs fail one (lib/samples.ts): no
 * samples is not a pass. A Counter with none reads 0.
 */
export function summaryFrom(
  thresholds: Thresholds,
  samples: Readonly<Record<string, GateSamples>>,
  seconds: number,
  accepted: readonly string[] = [],
): SummaryData {
  const asked = percentilesAsked(thresholds);
  const metrics: Record<string, SummaryMetric> = {};
  for (const [key, s] of Object.entries(samples)) {
    const metric = splitKey(key).metric;
    const values = statsOf(s.type, s.points, seconds, asked);
    const rules = thresholds[key] ?? [];
    // No points: a Counter counted nothing (a reading); a Rate or Trend was not measured.
    const unmeasured = s.points.length === 0 && s.type !== 'counter';
    const ok = (expression: string) => (unmeasured ? accepted.includes(metric) : meets(values, expression));
    metrics[key] = {
      type: s.type,
      contains: metricContains(metric),
      values,
      ...(rules.length > 0 ? { thresholds: Object.fromEntries(rules.map((r) => [expressionOf(r), { ok: ok(expressionOf(r)) }])) } : {}),
    };
  }
  return { metrics, state: { testRunDurationMs: seconds * 1000 } };
}
