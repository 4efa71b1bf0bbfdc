// Samples the target's own Prometheus metrics during a run and records them as k6 metrics
// (target_inflight, target_rss_bytes...), so they carry thresholds and reach the same outputs
// as the load's. Runs as its own one-VU scenario, so it never takes VUs or arrivals from the load.
import http from 'k6/http';
import { sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import type { Scenario } from 'k6/options';
import { durationSeconds } from '../options.ts';
import { sampleSum, type ProbeMapping, type Selector } from '../prometheus.ts';
import { PROBE_READINGS } from '../samples.ts';

export interface ProbeConfig {
  url: string;
  interval: string;
  mappings: ProbeMapping[];
  /** How long the probe samples: the length of the load. */
  seconds: number;
  /**
   * Metrics computed from each scrape's values (by k6 name, growth included), recorded as Trends
   * too; a function returns undefined when it has nothing to say (too few connections, say).
   * Each sees the derived values before it.
   */
  derived?: Record<string, { from: (values: Record<string, number>) => number | undefined; needs: string }>;
  /** Called after each scrape with every value it gave (by k6 name, derived ones included). */
  onScrape?: (values: Readonly<Record<string, number>>) => void;
  /**
   * The metric names the scenario's gates read. Each target_* one gets a Trend even when
   * PROBE_METRICS does not map it, so its gate fails as not measured instead of k6 refusing
   * to start (exit 104, "no metric name ... found").
   */
  gated: readonly string[];
}

/** The probe's knobs as a scenario reads them (lib/catalog/common.ts, probeKnobs). */
export interface ProbeKnobs {
  PROBE_URL: string;
  PROBE_INTERVAL: string;
  PROBE_METRICS: ProbeMapping[];
}

/** The probe config of a scenario with the probe knobs: its URL defaults to BASE_URL + /metrics. */
export function probeConfig(
  run: { baseUrl: string; knobs: ProbeKnobs; gatedMetrics: readonly string[] },
  seconds: number,
  derived?: ProbeConfig['derived'],
  onScrape?: ProbeConfig['onScrape'],
): ProbeConfig {
  const k = run.knobs;
  return {
    url: k.PROBE_URL || `${run.baseUrl}/metrics`,
    interval: k.PROBE_INTERVAL,
    mappings: k.PROBE_METRICS,
    seconds,
    derived,
    onScrape,
    gated: run.gatedMetrics,
  };
}

const selectorText = (s: Selector) =>
  s.name +
  (Object.keys(s.labels).length === 0
    ? ''
    : `{${Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')}}`);

/** Milliseconds the probe's sleep overran, each scrape: k6 saturated when it grows. */
export const GENERATOR_LAG = 'generator_lag';

const growthName = (k6Name: string) => k6Name.replace(/_rss_bytes$/, '_rss_growth_bytes');

/** What the probe tells defineScenario's options(): why each gated metric may go unsampled, and which are not mapped. */
export interface ProbeReport {
  hints: Record<string, string>;
  unmapped: string[];
}

/**
 * Why each target_* metric the gates read could end up with no samples, for the summary:
 * not mapped at all, or mapped to a series the endpoint did not serve.
 */
export function probeHints(c: ProbeConfig): ProbeReport {
  const hints: Record<string, string> = {};
  const unmapped: string[] = [];
  const mapped = new Map(c.mappings.map((m) => [m.k6Name, m.selector]));
  for (const name of c.gated.filter((n) => n.startsWith('target_'))) {
    const rssOf = name.endsWith('_rss_growth_bytes') ? name.replace(/_rss_growth_bytes$/, '_rss_bytes') : undefined;
    const derived = c.derived?.[name];
    const selector = mapped.get(name) ?? (rssOf !== undefined ? mapped.get(rssOf) : undefined);
    if (!derived && !selector) unmapped.push(name);
    hints[name] = derived
      ? `the probe derived no ${name} from ${c.url} (it needs ${derived.needs})`
      : selector
        ? `${c.url} served no ${selectorText(selector)} (the probe reads it as ${rssOf ?? name}): the endpoint did not answer or has no such series`
        : `PROBE_METRICS maps nothing to ${name} (add ${rssOf ?? name}=<your Prometheus metric>)`;
  }
  return { hints, unmapped };
}

/**
 * The probe's scenario and its exec function. A mapping whose k6 name ends in `_rss_bytes` also
 * yields `<prefix>_rss_growth_bytes`: RSS now minus RSS at the first sample.
 */
export function targetProbe(c: ProbeConfig) {
  // Trends, not Gauges: thresholds on a k6 Gauge can only read its last value, and the question
  // is the peak (max) or the spread (p95) over the run.
  const gauges = new Map(c.mappings.map((m) => [m.k6Name, new Trend(m.k6Name)]));
  const growth = new Map(c.mappings.filter((m) => m.k6Name.endsWith('_rss_bytes')).map((m) => [m.k6Name, new Trend(growthName(m.k6Name))]));
  const derived = Object.entries(c.derived ?? {}).map(([name, d]) => ({ name, trend: new Trend(name), fn: d.from }));
  const produced = new Set([...gauges.keys(), ...[...growth.keys()].map(growthName), ...derived.map((d) => d.name)]);
  // Gated but never produced: registered, so the gate exists and fails on no samples.
  for (const name of c.gated) if (name.startsWith('target_') && name !== PROBE_READINGS && !produced.has(name)) new Trend(name);
  // One per recorded value, tagged with its metric: the samples a gate on it needs (lib/samples.ts).
  const readings = new Counter(PROBE_READINGS);
  const record = (trend: Trend, name: string, value: number) => {
    trend.add(value);
    readings.add(1, { metric: name });
  };
  const intervalSeconds = durationSeconds(c.interval)!;
  const scenario: Scenario = {
    executor: 'constant-vus',
    vus: 1,
    duration: `${Math.max(1, Math.ceil(c.seconds))}s`,
    exec: 'probeTarget',
    gracefulStop: '0s',
  };

  // How late the probe's own sleep ends: the generator's timers slip when k6 has no CPU to
  // spare, and then its figures measure k6 as much as the service.
  const generatorLag = new Trend(GENERATOR_LAG, true);

  // One VU runs every probe iteration, so this module state is the probe's own, not shared.
  const baseline = new Map<string, number>();
  let warned = false;

  function scrapeOnce(): void {
    const started = Date.now();
    const res = http.get(c.url, { timeout: c.interval, tags: { name: 'probe' }, responseType: 'text' });
    if (res.status !== 200 || typeof res.body !== 'string') {
      if (!warned) {
        console.warn(
          `floodgate probe: cannot read ${c.url} (${res.status === 0 ? res.error : `HTTP ${res.status}`}); the run goes on, and gates on target metrics will fail as not measured`,
        );
        warned = true;
      }
    } else {
      const values: Record<string, number> = {};
      for (const m of c.mappings) {
        const value = sampleSum(res.body, m.selector);
        if (value === undefined) continue;
        record(gauges.get(m.k6Name)!, m.k6Name, value);
        values[m.k6Name] = value;
        const g = growth.get(m.k6Name);
        if (g) {
          if (!baseline.has(m.k6Name)) baseline.set(m.k6Name, value);
          const grown = value - baseline.get(m.k6Name)!;
          record(g, growthName(m.k6Name), grown);
          values[growthName(m.k6Name)] = grown;
        }
      }
      for (const d of derived) {
        const v = d.fn(values);
        if (v === undefined || !Number.isFinite(v)) continue;
        record(d.trend, d.name, v);
        values[d.name] = v;
      }
      c.onScrape?.(values);
    }
    const asked = Math.max(0, intervalSeconds - (Date.now() - started) / 1000);
    const slept = Date.now();
    sleep(asked);
    generatorLag.add(Math.max(0, Date.now() - slept - asked * 1000));
  }

  return { scenario, exec: scrapeOnce, ...probeHints(c) };
}
