// Turns k6's end-of-test data into the pack's report: a readable stdout summary (each threshold
// ✓/✗ with its value, failure modes with counts, side-by-side comparisons), a JSON file for
// scripts, a JUnit XML file for CI systems and a verdict page for people (lib/report-page.ts). Pure functions: unit-tested in Node.
import { FAILURE_MODES, type FailureMode } from './failure-modes.ts';
import { parseExpression } from './thresholds.ts';
import { SAMPLE_RULE, samplesOf, splitKey, withTag } from './samples.ts';
import { renderReportPage } from './report-page.ts';
import type { Provenance } from './provenance.ts';

/** The parts of k6's handleSummary data (legacy shape, still what v2.2.0 passes) we read. */
export interface SummaryMetric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains: 'default' | 'time' | 'data';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  state: { testRunDurationMs: number; isStdOutTTY?: boolean };
  options?: { noColor?: boolean };
}

/** One row of a side-by-side table: a metric's stat per value of a tag (e.g. per scenario). */
export interface ComparisonRow {
  label: string;
  /** A metric, or a sub-metric ("http_req_duration{scenario:load}"): the column's tag joins its filter. */
  metric: string;
  stat: string;
  /** Divide by each column's duration: a count becomes a per-second rate. */
  perSecond?: boolean;
}
export interface Comparison {
  title: string;
  tag: string;
  /** Column (tag value) -> how long it ran, in seconds (for perSecond rows). */
  columns: Record<string, number>;
  rows: ComparisonRow[];
}

/** A number worth showing that is not a gate, e.g. the time to the first 503. */
export interface Figure {
  label: string;
  metric: string;
  stat: string;
}

export interface ReportContext {
  scenario: string;
  profile: string;
  baseUrl: string;
  resultsDir: string;
  /** The thresholds file the gates came from, as the user named it (thresholds.json by default). */
  thresholdsFile?: string;
  /** Whether the results directory was seen to exist before the run (not so under a k6 archive): the summary names its files plainly only then. */
  resultsDirKnown?: boolean;
  /** "metric\u0000expression" pairs the pack added only to make a sub-metric visible. */
  reportOnly: ReadonlySet<string>;
  comparisons: readonly Comparison[];
  figures: readonly Figure[];
  /** Why a metric (by name) may have no samples, for the "not measured" lines (e.g. what PROBE_METRICS lacks). */
  unmeasuredHints?: Readonly<Record<string, string>>;
  /** Metrics whose gates the user accepted unmeasured (-e UNMEASURED). */
  accepted?: readonly string[];
  /** Gates of the thresholds file this run does not judge, and why (e.g. OUTAGE_MODE=none). */
  notGated?: readonly NotGated[];
  /** The scenario's own reading of the run (breaking-point: its breaking point, last healthy stage...). */
  findings?: (data: SummaryData) => Findings;
  /** Where the run came from (lib/provenance.ts). */
  provenance?: Provenance;
  /** k6's HTML report of this run (K6_WEB_DASHBOARD_EXPORT), when it exports one: the verdict page links it. */
  dashboard?: string;
}

/** What a scenario concludes from the whole run: lines for the summary, the same as data for the JSON. */
export interface Findings {
  title: string;
  lines: { label: string; text: string }[];
  data: Record<string, unknown>;
}

export interface NotGated {
  metric: string;
  expression: string;
  why: string;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
  stat: string;
  /** The metric's value for the stat, or null if the metric got no samples. */
  observed: number | null;
  unit: Unit;
  /**
   * Set when the metric got no samples: why, and whether that fails the gate (it does unless
   * the user accepted it with UNMEASURED).
   */
  notMeasured?: string;
}
export type Unit = 'ms' | 'ratio' | 'count' | 'bytes' | 'per_second' | 'times_limit' | 'number';

export interface Report {
  scenario: string;
  profile: string;
  baseUrl: string;
  /** Where the gates came from: thresholds.json, or the THRESHOLDS_FILE given. */
  thresholdsFile?: string;
  /** Where the run came from: commit, k6, machine, knobs, testid, start and end. */
  provenance?: Provenance;
  durationSeconds: number;
  verdict: 'pass' | 'fail';
  thresholds: ThresholdResult[];
  /** Metric keys with at least one crossed threshold, e.g. "http_req_duration{scenario:echo}". */
  failedThresholds: string[];
  /** Metric keys of gates that failed because they got no samples (a subset of failedThresholds). */
  notMeasured: string[];
  /** Gates left out of this run, and why. */
  notGated: NotGated[];
  failureModes: Record<FailureMode, number>;
  requests: { count: number; perSecond: number };
  comparisons: { title: string; columns: string[]; rows: { label: string; unit: Unit; values: (number | null)[] }[] }[];
  figures: { label: string; unit: Unit; value: number | null }[];
  findings?: Findings;
}

export const reportOnlyKey = (metric: string, expression: string) => `${metric}\u0000${expression}`;

/** The always-true expression that makes k6 report a sub-metric, built on the stat we show. */
export const visibilityExpression = (stat: string) => `${stat}>=0`;

/** Whether `expression` is one visibilityExpression made (e.g. in a summary read back from a file). */
export function isVisibilityExpression(expression: string): boolean {
  const parsed = parseExpression(expression);
  return parsed !== undefined && expression === visibilityExpression(parsed.stat);
}

// Counters whose rate is a multiple of a limit, not a count per second (lib/k6/burst-client.ts).
const PER_LIMIT = /_per_limit(\{|$)/;

function unitOf(key: string, metric: SummaryMetric | undefined, stat: string): Unit {
  if (!metric) return 'number';
  if (PER_LIMIT.test(key) && stat === 'rate') return 'times_limit';
  if (/_bytes(\{|$)/.test(key) && metric.type !== 'counter') return 'bytes';
  if (/_share(\{|$)/.test(key)) return 'ratio';
  if (metric.type === 'rate') return 'ratio';
  if (metric.type === 'counter') return stat === 'rate' ? 'per_second' : metric.contains === 'data' ? 'bytes' : 'count';
  if (metric.contains === 'time') return 'ms';
  if (metric.contains === 'data') return 'bytes';
  return 'number';
}

/** Whether `key`'s gates failed for want of samples: its companion's SAMPLE_RULE was crossed. */
function missingSamples(data: SummaryData, key: string): boolean {
  const companion = samplesOf(key);
  return companion !== undefined && data.metrics[companion]?.thresholds?.[SAMPLE_RULE]?.ok === false;
}

/** A companion's SAMPLE_RULE: bookkeeping for the gates it serves, not a gate of its own. */
function isCompanionRule(data: SummaryData, key: string, expression: string): boolean {
  return (
    expression === SAMPLE_RULE && Object.keys(data.metrics).some((k) => k !== key && data.metrics[k]?.thresholds && samplesOf(k) === key)
  );
}

/** A Rate or Trend that got no samples (k6 reports zeros for it). */
function noSamples(metric: SummaryMetric): boolean {
  return (
    (metric.type === 'rate' && 'passes' in metric.values && (metric.values.passes ?? 0) + (metric.values.fails ?? 0) === 0) ||
    (metric.type === 'trend' && metric.values.count === 0)
  );
}

export function evaluate(data: SummaryData, ctx: ReportContext): Report {
  const thresholds: ThresholdResult[] = [];
  for (const [key, metric] of Object.entries(data.metrics)) {
    const missing = missingSamples(data, key);
    for (const [expression, { ok }] of Object.entries(metric.thresholds ?? {})) {
      if (ctx.reportOnly.has(reportOnlyKey(key, expression)) || isCompanionRule(data, key, expression)) continue;
      const stat = parseExpression(expression)?.stat ?? '';
      // A Rate or Trend with no samples reports zeros; say "no samples" instead of values that never happened.
      const empty = missing || noSamples(metric);
      const observed = empty ? undefined : metric.values[stat];
      const row: ThresholdResult = {
        metric: key,
        expression,
        ok: ok && !missing,
        stat,
        observed: observed ?? null,
        unit: unitOf(key, metric, stat),
      };
      const name = splitKey(key).metric;
      if (missing)
        row.notMeasured = ctx.unmeasuredHints?.[name] ?? `no samples (${samplesOf(key)} counted none: the load did not run here)`;
      else if (empty && ctx.accepted?.includes(name)) row.notMeasured = 'no samples, accepted with UNMEASURED';
      thresholds.push(row);
    }
  }
  thresholds.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
  const failureModes = Object.fromEntries(
    FAILURE_MODES.map((m) => [m, data.metrics[`failed_requests{failure_mode:${m}}`]?.values.count ?? 0]),
  ) as Record<FailureMode, number>;
  const durationSeconds = data.state.testRunDurationMs / 1000;
  const reqs = data.metrics.http_reqs?.values.count ?? 0;
  const failedThresholds = [...new Set(thresholds.filter((t) => !t.ok).map((t) => t.metric))];
  return {
    scenario: ctx.scenario,
    profile: ctx.profile,
    baseUrl: ctx.baseUrl,
    thresholdsFile: ctx.thresholdsFile ?? 'thresholds.json',
    ...(ctx.provenance ? { provenance: ctx.provenance } : {}),
    durationSeconds,
    verdict: failedThresholds.length === 0 ? 'pass' : 'fail',
    thresholds,
    failedThresholds,
    notMeasured: [...new Set(thresholds.filter((t) => !t.ok && t.notMeasured !== undefined).map((t) => t.metric))],
    notGated: [...(ctx.notGated ?? [])],
    failureModes,
    requests: { count: reqs, perSecond: durationSeconds > 0 ? reqs / durationSeconds : 0 },
    figures: ctx.figures.map((f) => {
      const m = data.metrics[f.metric];
      return {
        label: f.label,
        unit: unitOf(f.metric, m, f.stat),
        value: m === undefined || noSamples(m) ? null : (m.values[f.stat] ?? null),
      };
    }),
    comparisons: ctx.comparisons.map((c) => {
      const columns = Object.keys(c.columns);
      return {
        title: c.title,
        columns,
        rows: c.rows.map((r) => ({
          label: r.label,
          unit: r.perSecond ? 'per_second' : unitOf(r.metric, data.metrics[withTag(r.metric, c.tag, columns[0]!)], r.stat),
          values: columns.map((col) => {
            const m = data.metrics[withTag(r.metric, c.tag, col)];
            const v = m?.values[r.stat];
            // A column that got no samples (a stage the run never reached) shows none, not zeros.
            if (v === undefined || noSamples(m!)) return null;
            return r.perSecond ? v / c.columns[col]! : v;
          }),
        })),
      };
    }),
    ...(ctx.findings ? { findings: ctx.findings(data) } : {}),
  };
}

export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return 'no samples';
  switch (unit) {
    case 'ms':
      return value >= 1000 ? `${(value / 1000).toFixed(2)}s` : `${value.toFixed(value < 10 ? 2 : 1)}ms`;
    case 'ratio':
      return `${(value * 100).toFixed(2)}%`;
    case 'per_second':
      return `${value.toFixed(1)}/s`;
    case 'times_limit':
      return `${value.toFixed(2)}x the limit`;
    case 'bytes': {
      const abs = Math.abs(value);
      return abs >= 1048576
        ? `${(value / 1048576).toFixed(1)} MiB`
        : abs >= 1024
          ? `${(value / 1024).toFixed(1)} KiB`
          : `${Math.round(value)} B`;
    }
    case 'count':
      return String(Math.round(value));
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(3);
  }
}

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - s.length));

/** "p(95)=12.3ms", or why there is no value. */
export function observedText(t: ThresholdResult): string {
  return t.notMeasured !== undefined ? `not measured: ${t.notMeasured}` : `${t.stat}=${formatValue(t.observed, t.unit)}`;
}

export function renderText(r: Report, files: string[], color: boolean, resultsDirKnown = true): string {
  const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  lines.push('');
  lines.push(`floodgate · ${r.scenario} · profile ${r.profile} · ${r.durationSeconds.toFixed(1)}s · ${r.baseUrl}`);
  lines.push('');
  lines.push(`Thresholds (${r.thresholdsFile ?? 'thresholds.json'})`);
  const width = Math.max(0, ...r.thresholds.map((t) => t.metric.length), ...r.notGated.map((g) => g.metric.length));
  for (const t of r.thresholds) {
    const mark = t.ok ? paint(32, '✓') : paint(31, '✗');
    lines.push(`  ${mark} ${pad(t.metric, width)}  ${pad(t.expression, 14)}  ${observedText(t)}`);
  }
  const unexported = [...new Set(r.notMeasured.map((k) => splitKey(k).metric).filter((m) => m.startsWith('target_')))];
  if (unexported.length > 0) {
    lines.push(`  A gate with no samples fails. If your service has no such metric, accept that: -e UNMEASURED=${unexported.join(',')}`);
  }
  if (r.notGated.length > 0) {
    lines.push('');
    lines.push('Not gated in this run');
    for (const g of r.notGated) lines.push(`  - ${pad(g.metric, width)}  ${pad(g.expression, 14)}  ${g.why}`);
  }
  lines.push('');
  const modes = Object.entries(r.failureModes).filter(([, n]) => n > 0);
  lines.push(`Requests: ${r.requests.count} (${r.requests.perSecond.toFixed(1)}/s)`);
  lines.push(modes.length === 0 ? 'Failure modes: none' : 'Failure modes (failed_requests by failure_mode):');
  for (const [mode, n] of modes) lines.push(`  ${pad(mode, 16)} ${n}`);
  if (r.figures.length > 0) {
    lines.push('');
    lines.push('Figures');
    const w = Math.max(...r.figures.map((f) => f.label.length));
    for (const f of r.figures) lines.push(`  ${pad(f.label, w)}  ${formatValue(f.value, f.unit)}`);
  }
  for (const c of r.comparisons) {
    lines.push('');
    lines.push(c.title);
    const labelWidth = Math.max(...c.rows.map((row) => row.label.length));
    lines.push(`  ${pad('', labelWidth)}  ${c.columns.map((col) => pad(col, 12)).join(' ')}`);
    for (const row of c.rows) {
      lines.push(`  ${pad(row.label, labelWidth)}  ${row.values.map((v) => pad(formatValue(v, row.unit), 12)).join(' ')}`);
    }
  }
  if (r.findings) {
    lines.push('');
    lines.push(r.findings.title);
    const w = Math.max(...r.findings.lines.map((l) => l.label.length));
    for (const l of r.findings.lines) lines.push(`  ${pad(l.label, w)}  ${l.text}`);
  }
  lines.push('');
  const crossed = r.thresholds.filter((t) => !t.ok).length;
  const unmeasured = r.thresholds.filter((t) => !t.ok && t.notMeasured !== undefined).length;
  lines.push(
    r.verdict === 'pass'
      ? paint(32, `PASSED: all ${r.thresholds.length} thresholds met`)
      : paint(
          31,
          `FAILED: ${crossed} of ${r.thresholds.length} thresholds crossed${unmeasured > 0 ? ` (${unmeasured} not measured)` : ''} (k6 exits 99)`,
        ),
  );
  if (files.length > 0)
    lines.push(
      resultsDirKnown ? `Results: ${files.join(', ')}` : `Results, if k6 could write them (it logs any it could not): ${files.join(', ')}`,
    );
  lines.push('');
  return lines.join('\n');
}

export const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML: one test case per threshold, so CI systems list each gate by name. */
export function renderJUnit(r: Report): string {
  const suite = `floodgate.${r.scenario}`;
  const failures = r.thresholds.filter((t) => !t.ok).length;
  const cases = r.thresholds.map((t) => {
    const name = xml(`${t.metric} ${t.expression}`);
    const observed = observedText(t);
    if (t.ok) return `    <testcase classname="${suite}" name="${name}"><system-out>${xml(observed)}</system-out></testcase>`;
    const [message, type] = t.notMeasured !== undefined ? [observed, 'not-measured'] : [`${observed} crosses ${t.expression}`, 'threshold'];
    return `    <testcase classname="${suite}" name="${name}"><failure message="${xml(message)}" type="${type}"/></testcase>`;
  });
  const skipped = r.notGated.map(
    (g) => `    <testcase classname="${suite}" name="${xml(`${g.metric} ${g.expression}`)}"><skipped message="${xml(g.why)}"/></testcase>`,
  );
  const time = r.durationSeconds.toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="floodgate" tests="${r.thresholds.length + skipped.length}" failures="${failures}" skipped="${skipped.length}" time="${time}">`,
    `  <testsuite name="${suite}" tests="${r.thresholds.length + skipped.length}" failures="${failures}" skipped="${skipped.length}" time="${time}">`,
    ...cases,
    ...skipped,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** "2026-11-23T09-22-54Z": sortable, and safe in file names on every OS. */
export function fileStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/** The outputs handleSummary returns: stdout plus the JSON, JUnit and verdict page files. */
export function summaryOutputs(data: SummaryData, ctx: ReportContext, now: Date): Record<string, string> {
  const report = evaluate(data, ctx);
  const dir = ctx.resultsDir.replace(/\/+$/, '');
  const base = `${dir}/${ctx.scenario}-${fileStamp(now)}`;
  const json = `${base}.json`;
  const junit = `${base}.xml`;
  const html = `${base}.html`;
  const color = data.state.isStdOutTTY === true && data.options?.noColor !== true;
  return {
    stdout: renderText(report, [json, junit, html], color, ctx.resultsDirKnown ?? true),
    [json]: JSON.stringify({ ...report, k6: data.metrics }, null, 2),
    [junit]: renderJUnit(report),
    [html]: renderReportPage(report, ctx.dashboard && linkFrom(dir, ctx.dashboard)),
  };
}

/** `path` as a link from a page in `dir`: relative when it is under `dir`, else as given. */
export function linkFrom(dir: string, path: string): string {
  const clean = (p: string) => p.replace(/^(\.\/)+/, '');
  const [d, p] = [clean(dir).replace(/\/+$/, ''), clean(path)];
  return d !== '' && d !== '.' && p.startsWith(`${d}/`) ? p.slice(d.length + 1) : p;
}
