// Is this run worse than the baseline? Each gate and each key metric of two sets of runs of the
// same scenario, side by side: the change, which way is worse (from the gate's operator, or the
// metric's kind), and a verdict: regressed, improved, within noise. Noise is what the runs
// themselves show where a side has several (the spread of its values) or a stated tolerance
// (by the metric's kind: 10 %, at least 5 ms for a time; 1 point for a rate), whichever is
// larger; the `regression` section of thresholds.json sets tolerances per metric. Pure:
// unit-tested in Node.
import type { Report } from './summary.ts';

export type Direction = 'lower' | 'higher' | 'none';
export type RowVerdict = 'regressed' | 'improved' | 'within noise' | 'changed' | 'not measured';

export interface Tolerance {
  /** A share of the baseline's value, e.g. 0.1 for 10 %. */
  relative?: number;
  /** In the metric's own unit (a rate's 0.01 is one percentage point). */
  absolute?: number;
}

export interface CompareRow {
  /** What is compared: a gate (`metric expression`), or a key metric with its stat. */
  name: string;
  kind: 'gate' | 'metric' | 'figure';
  unit: string;
  better: Direction;
  baseline: number[];
  current: number[];
  baselineValue: number | null;
  currentValue: number | null;
  /** current - baseline. */
  change: number | null;
  /** The change read as worse (+) or better (-) where there is a direction. */
  noise: number;
  noiseFrom: 'spread' | 'tolerance';
  verdict: RowVerdict;
}

export interface Comparison {
  scenario: string;
  profile: string;
  baselineRuns: number;
  currentRuns: number;
  rows: CompareRow[];
  regressed: string[];
  /** Knobs whose values differ between the sides (compared only when allowed). */
  differs: string[];
}

/**
 * What a metric may move by its kind when no tolerance is stated: 10 % of the baseline, with a
 * floor where a small value moves by more than that on any machine (a millisecond here or there,
 * one request), and a point for a rate.
 */
export const UNIT_TOLERANCES: Record<string, Tolerance> = {
  ms: { relative: 0.1, absolute: 5 },
  count: { relative: 0.1, absolute: 1 },
  ratio: { absolute: 0.01 },
};
export const DEFAULT_TOLERANCE: Tolerance = { relative: 0.1 };

/** Which way is better for a gate: under a `<` bound lower is, over a `>` bound higher is. */
export function gateDirection(expression: string): Direction {
  if (/[<]/.test(expression)) return 'lower';
  if (/[>]/.test(expression)) return 'higher';
  // ==0 (no false positives, no mismatches): anything above it is worse.
  if (/==\s*0(\.0*)?$/.test(expression)) return 'lower';
  if (/==\s*1(\.0*)?$/.test(expression)) return 'higher';
  return 'none';
}

/** Which way is better for a figure with no gate: by the words of its label. */
export function figureDirection(label: string): Direction {
  if (
    /lat|duration|p\d\d|ms\b|error|fail|refus|timeout|lag|memory|rss|cpu|queries per|in flight|waiting|dropped|lost|twice|recovery|drain|writes per|cut/i.test(
      label,
    )
  )
    return 'lower';
  if (/requests\/s|throughput|held|established|echoes|reuse/i.test(label)) return 'higher';
  return 'none';
}

/** Key metrics of any HTTP scenario, where the run has them: latency, errors, throughput. */
const KEY_METRICS: { metric: string; stat: string; unit: string; better: Direction }[] = [
  { metric: 'http_req_duration', stat: 'med', unit: 'ms', better: 'lower' },
  { metric: 'http_req_duration', stat: 'p(95)', unit: 'ms', better: 'lower' },
  { metric: 'http_req_duration', stat: 'p(99)', unit: 'ms', better: 'lower' },
  { metric: 'http_req_failed', stat: 'rate', unit: 'ratio', better: 'lower' },
  { metric: 'http_reqs', stat: 'rate', unit: 'per_second', better: 'higher' },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const spread = (xs: number[]) => (xs.length < 2 ? 0 : Math.max(...xs) - Math.min(...xs));

/** The tolerance of `name` (a gate's metric, or a key metric): its own, its bare metric's, or the default for its unit. */
export function toleranceFor(name: string, unit: string, tolerances: Readonly<Record<string, Tolerance>>): Tolerance {
  const metric = name.split(' ')[0]!;
  const bare = metric.replace(/\{.*$/, '');
  return tolerances[metric] ?? tolerances[bare] ?? UNIT_TOLERANCES[unit] ?? tolerances.default ?? DEFAULT_TOLERANCE;
}

/** One row's verdict from its values on each side. */
export function judgeRow(
  row: Pick<CompareRow, 'name' | 'kind' | 'unit' | 'better' | 'baseline' | 'current'>,
  tolerance: Tolerance,
): CompareRow {
  if (row.baseline.length === 0 || row.current.length === 0) {
    return { ...row, baselineValue: null, currentValue: null, change: null, noise: 0, noiseFrom: 'tolerance', verdict: 'not measured' };
  }
  const b = mean(row.baseline);
  const c = mean(row.current);
  const stated = Math.max(tolerance.absolute ?? 0, (tolerance.relative ?? 0) * Math.abs(b));
  // The runs' own spread: half of each side's range, added; one run a side has none.
  const seen = (spread(row.baseline) + spread(row.current)) / 2;
  const noise = Math.max(stated, seen);
  const change = c - b;
  const worse = row.better === 'lower' ? change : row.better === 'higher' ? -change : 0;
  const verdict: RowVerdict =
    Math.abs(change) <= noise ? 'within noise' : row.better === 'none' ? 'changed' : worse > 0 ? 'regressed' : 'improved';
  return { ...row, baselineValue: b, currentValue: c, change, noise, noiseFrom: seen > stated ? 'spread' : 'tolerance', verdict };
}

/** Knobs that differ between two runs' provenance, but for those that name where a run's files go or which port it found. */
export function differingKnobs(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
  ignore: readonly string[],
): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !ignore.includes(k) && a[k] !== b[k]).sort();
}

/** Knobs that may differ between runs without making them different tests. */
export const INCIDENTAL_KNOBS = ['RESULTS_DIR', 'BASE_URL', 'THRESHOLDS_FILE'];

/** Compares runs of one scenario (the caller has checked they are comparable). */
export function compareRuns(
  baseline: readonly Report[],
  current: readonly Report[],
  tolerances: Readonly<Record<string, Tolerance>> = {},
): Comparison {
  const rows: CompareRow[] = [];
  const gateKey = (t: { metric: string; expression: string }) => `${t.metric} ${t.expression}`;
  const gates = new Map<string, { unit: string; expression: string }>();
  for (const r of [...baseline, ...current])
    for (const t of r.thresholds) gates.set(gateKey(t), { unit: t.unit, expression: t.expression });
  const observed = (runs: readonly Report[], key: string) =>
    runs.flatMap((r) => r.thresholds.filter((t) => gateKey(t) === key && t.observed !== null).map((t) => t.observed!));
  for (const [name, g] of gates) {
    const row = {
      name,
      kind: 'gate' as const,
      unit: g.unit,
      better: gateDirection(g.expression),
      baseline: observed(baseline, name),
      current: observed(current, name),
    };
    rows.push(judgeRow(row, toleranceFor(name, g.unit, tolerances)));
  }
  const k6 = (r: Report) => (r as unknown as { k6?: Record<string, { values?: Record<string, number> }> }).k6 ?? {};
  for (const m of KEY_METRICS) {
    const values = (runs: readonly Report[]) =>
      runs.map((r) => k6(r)[m.metric]?.values?.[m.stat]).filter((v): v is number => typeof v === 'number');
    const name = `${m.metric} ${m.stat}`;
    if (values(baseline).length + values(current).length === 0) continue;
    rows.push(
      judgeRow(
        { name, kind: 'metric', unit: m.unit, better: m.better, baseline: values(baseline), current: values(current) },
        toleranceFor(name, m.unit, tolerances),
      ),
    );
  }
  const figures = new Map<string, string>();
  for (const r of [...baseline, ...current]) for (const f of r.figures) figures.set(f.label, f.unit);
  for (const [label, unit] of figures) {
    const values = (runs: readonly Report[]) =>
      runs.flatMap((r) => r.figures.filter((f) => f.label === label && f.value !== null).map((f) => f.value!));
    rows.push(
      judgeRow(
        { name: label, kind: 'figure', unit, better: figureDirection(label), baseline: values(baseline), current: values(current) },
        toleranceFor(label, unit, tolerances),
      ),
    );
  }
  const first = baseline[0] ?? current[0]!;
  return {
    scenario: first.scenario,
    profile: first.profile,
    baselineRuns: baseline.length,
    currentRuns: current.length,
    rows,
    regressed: rows.filter((r) => r.verdict === 'regressed').map((r) => r.name),
    differs: differingKnobs(baseline[0]?.provenance?.knobs ?? {}, current[0]?.provenance?.knobs ?? {}, INCIDENTAL_KNOBS),
  };
}

/** The `regression` section of a thresholds document: `"metric": "10%"` or `"metric": 0.01`, and `"default"`. */
export function parseTolerances(section: unknown, file: string): Record<string, Tolerance> | { error: string } {
  if (section === undefined) return {};
  if (typeof section !== 'object' || section === null || Array.isArray(section))
    return { error: `${file}: "regression" must be an object of metric: tolerance` };
  const out: Record<string, Tolerance> = {};
  for (const [key, value] of Object.entries(section as Record<string, unknown>)) {
    if (key.startsWith('$')) continue;
    if (typeof value === 'number' && value >= 0 && Number.isFinite(value)) out[key] = { absolute: value };
    else if (typeof value === 'string' && /^\d+(\.\d+)?%$/.test(value)) out[key] = { relative: Number(value.slice(0, -1)) / 100 };
    else
      return {
        error: `${file}: regression tolerance of ${key} is ${JSON.stringify(value)}; expected "N%" (of the baseline) or a number (in the metric's unit)`,
      };
  }
  return out;
}
