// Merges the summaries of one test split over several k6 processes (--execution-segment) into
// one: counters summed, rates re-derived from their summed passes and fails, trends combined
// (count, min, max and avg exactly; percentiles only as an upper bound: the largest of the
// parts' percentiles, since no part has more than the share above its own), gauges summed.
// A threshold fails if any part that sampled the metric failed it, or if the merged number
// crosses it where that number is exact (for a percentile, the bound only informs). Pure: unit-tested in Node.
import { parseExpression } from './thresholds.ts';
import { SAMPLE_RULE } from './samples.ts';
import type { SummaryData, SummaryMetric } from './summary.ts';

export interface PartSummary {
  /** k6's metrics as the part's handleSummary saw them (the pack's JSON keeps them under "k6"). */
  metrics: Record<string, SummaryMetric>;
  durationSeconds: number;
  /** The part's k6 exit code. */
  code: number;
}

export interface MergedThreshold {
  metric: string;
  expression: string;
  ok: boolean;
  /** "exact": checked on the merged value too; "bound": the merged value is an upper bound, only the parts decided. */
  basis: 'exact' | 'bound';
}

export interface Merged {
  data: SummaryData;
  thresholds: MergedThreshold[];
  /** Parts that exited with something other than 0 or 99 (a script error, an abort). */
  brokenParts: number[];
  /** 0, 99 (a threshold crossed) or the first broken part's code, as one k6 run would exit. */
  code: number;
}

const EXACT_TREND_STATS = new Set(['count', 'min', 'max', 'avg']);

function mergeMetric(parts: SummaryMetric[]): SummaryMetric {
  const first = parts[0]!;
  const values: Record<string, number> = {};
  const sum = (k: string) => parts.reduce((s, p) => s + (p.values[k] ?? 0), 0);
  if (first.type === 'counter') {
    values.count = sum('count');
    // Concurrent parts: their rates add up.
    values.rate = sum('rate');
  } else if (first.type === 'rate') {
    values.passes = sum('passes');
    values.fails = sum('fails');
    const n = values.passes + values.fails;
    values.rate = n === 0 ? 0 : values.passes / n;
  } else if (first.type === 'gauge') {
    values.value = sum('value');
    values.max = sum('max');
    values.min = Math.min(...parts.map((p) => p.values.min ?? Infinity));
  } else {
    const sampled = parts.filter((p) => (p.values.count ?? 1) > 0);
    const use = sampled.length > 0 ? sampled : parts;
    const counts = use.map((p) => p.values.count ?? 1);
    const total = counts.reduce((a, b) => a + b, 0);
    for (const stat of new Set(use.flatMap((p) => Object.keys(p.values)))) {
      const vs = use.map((p) => p.values[stat] ?? 0);
      if (stat === 'count') values.count = total;
      else if (stat === 'min') values.min = Math.min(...vs);
      else if (stat === 'avg') values.avg = total === 0 ? 0 : vs.reduce((s, v, i) => s + v * counts[i]!, 0) / total;
      else values[stat] = Math.max(...vs); // max exactly; med and p(x) as an upper bound
    }
  }
  return { type: first.type, contains: first.contains, values };
}

function sampled(m: SummaryMetric): boolean {
  if (m.type === 'rate') return (m.values.passes ?? 0) + (m.values.fails ?? 0) > 0;
  if (m.type === 'trend') return (m.values.count ?? 1) > 0;
  return true;
}

function holds(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '!=':
      return value !== bound;
    default:
      return value === bound; // == and ===
  }
}

export function mergeSummaries(parts: PartSummary[]): Merged {
  const names = new Set(parts.flatMap((p) => Object.keys(p.metrics)));
  const metrics: Record<string, SummaryMetric> = {};
  const thresholds: MergedThreshold[] = [];
  for (const name of [...names].sort()) {
    const present = parts.map((p) => p.metrics[name]).filter((m): m is SummaryMetric => m !== undefined);
    const merged = mergeMetric(present);
    const rules = new Set(present.flatMap((m) => Object.keys(m.thresholds ?? {})));
    if (rules.size > 0) merged.thresholds = {};
    for (const expression of rules) {
      // A part that got no samples of a Rate or Trend (fewer VUs than parts, say) was judged on
      // zeros by k6: its verdict on that metric says nothing.
      // A companion's "at least one sample" (lib/samples.ts) asks it of the whole test: a part
      // without the probe, or without a share of the load, has none and that is fine.
      const partsOk = expression === SAMPLE_RULE || present.filter(sampled).every((m) => m.thresholds?.[expression]?.ok !== false);
      const parsed = parseExpression(expression);
      const exact = parsed !== undefined && (merged.type !== 'trend' || EXACT_TREND_STATS.has(parsed.stat)) && merged.type !== 'gauge';
      const value = parsed ? merged.values[parsed.stat] : undefined;
      // A part that crossed a threshold fails it for the whole test, as the one run would have
      // failed on that part's load alone; the merged value can fail it on top.
      const ok = partsOk && (exact && value !== undefined ? holds(value, parsed!.op, parsed!.bound) : true);
      merged.thresholds![expression] = { ok };
      thresholds.push({ metric: name, expression, ok, basis: exact ? 'exact' : 'bound' });
    }
    metrics[name] = merged;
  }
  const brokenParts = parts.map((p, i) => (p.code === 0 || p.code === 99 ? -1 : i)).filter((i) => i >= 0);
  // From the thresholds, not the parts' exit codes: those include verdicts on metrics a part
  // never sampled.
  const crossed = thresholds.some((t) => !t.ok);
  const code = brokenParts.length > 0 ? parts[brokenParts[0]!]!.code : crossed ? 99 : 0;
  const durationMs = Math.max(0, ...parts.map((p) => p.durationSeconds)) * 1000;
  return { data: { metrics, state: { testRunDurationMs: durationMs } }, thresholds, brokenParts, code };
}
