// Samples the target's own Prometheus metrics during a run and records them as k6 metrics
// (target_inflight, target_rss_bytes...), so they carry thresholds and reach the same outputs
// as the load's. Runs as its own one-VU scenario, so it never takes VUs or arrivals from the load.
// It may read several endpoints (PROBE_URLS: the service's own, its store's exporter...), each
// mapping naming the one it reads.
import http from 'k6/http';
import { sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import type { Scenario } from 'k6/options';
import { durationSeconds } from '../options.ts';
import { fail } from '../fail.ts';
import { assertSafeTargets } from '../safety.ts';
import { probeEndpoints, probeValues, selectorText, type ProbeMapping } from '../prometheus.ts';
import { PROBE_READINGS } from '../samples.ts';

export interface ProbeConfig {
  /** The endpoints scraped, by name (`service` is the service under test's own). */
  endpoints: Record<string, string>;
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
  PROBE_URLS: Record<string, string>;
  PROBE_INTERVAL: string;
  PROBE_METRICS: ProbeMapping[];
}

/**
 * The probe config of a scenario with the probe knobs: `service` defaults to BASE_URL + /metrics.
 * Every mapping must name an endpoint that exists, and every endpoint must be loopback or allowed
 * like BASE_URL: the probe sends requests too.
 */
export function probeConfig(
  run: { baseUrl: string; allowedHosts: readonly string[]; knobs: ProbeKnobs; gatedMetrics: readonly string[] },
  seconds: number,
  derived?: ProbeConfig['derived'],
  onScrape?: ProbeConfig['onScrape'],
): ProbeConfig {
  const k = run.knobs;
  const endpoints = probeEndpoints(run.baseUrl, k.PROBE_URL, k.PROBE_URLS);
  const missing = k.PROBE_METRICS.filter((m) => endpoints[m.endpoint] === undefined);
  if (missing.length > 0) {
    fail(
      `-e PROBE_METRICS reads ${missing.map((m) => `${m.k6Name} from @${m.endpoint}`).join(', ')}, and no such endpoint is given: ` +
        `the endpoints are ${Object.keys(endpoints).join(', ')} (add -e PROBE_URLS=${missing[0]!.endpoint}=http://.../metrics)`,
    );
  }
  assertSafeTargets(Object.fromEntries(Object.entries(endpoints).map(([name, url]) => [`PROBE_URLS ${name}`, url])), run.allowedHosts);
  return {
    endpoints,
    interval: k.PROBE_INTERVAL,
    mappings: k.PROBE_METRICS,
    seconds,
    derived,
    onScrape,
    gated: run.gatedMetrics,
  };
}

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
  const mapped = new Map(c.mappings.map((m) => [m.k6Name, m]));
  for (const name of c.gated.filter((n) => n.startsWith('target_'))) {
    const rssOf = name.endsWith('_rss_growth_bytes') ? name.replace(/_rss_growth_bytes$/, '_rss_bytes') : undefined;
    const derived = c.derived?.[name];
    const mapping = mapped.get(name) ?? (rssOf !== undefined ? mapped.get(rssOf) : undefined);
    if (!derived && !mapping) unmapped.push(name);
    const from = Object.values(c.endpoints).join(', ');
    hints[name] = derived
      ? `the probe derived no ${name} from ${from} (it needs ${derived.needs})`
      : mapping
        ? `${c.endpoints[mapping.endpoint]} served no ${selectorText(mapping.selector)} (the probe reads it as ${rssOf ?? name}): the endpoint did not answer or has no such series`
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
  // is the peak (max) or the spread (p95) over the run. One per k6 name: repeated names are summed.
  const gauges = new Map([...new Set(c.mappings.map((m) => m.k6Name))].map((name) => [name, new Trend(name)]));
  const growth = new Map(
    [...gauges.keys()].filter((name) => name.endsWith('_rss_bytes')).map((name) => [name, new Trend(growthName(name))]),
  );
  // Only the endpoints some mapping reads are scraped.
  const scraped = [...new Set(c.mappings.map((m) => m.endpoint))];
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
  const warned = new Set<string>();

  /** Each endpoint's exposition, fetched side by side; undefined where it did not answer. */
  function expositions(): Record<string, string | undefined> {
    const responses = http.batch(
      scraped.map((name) => ({
        method: 'GET',
        url: c.endpoints[name]!,
        params: { timeout: c.interval, tags: { name: 'probe', endpoint: name }, responseType: 'text' as const },
      })),
    );
    const out: Record<string, string | undefined> = {};
    scraped.forEach((name, i) => {
      const res = responses[i]!;
      if (res.status === 200 && typeof res.body === 'string') out[name] = res.body;
      else if (!warned.has(name)) {
        console.warn(
          `floodgate probe: cannot read ${name} at ${c.endpoints[name]} (${res.status === 0 ? res.error : `HTTP ${res.status}`}); the run goes on, and gates on the metrics it serves will fail as not measured`,
        );
        warned.add(name);
      }
    });
    return out;
  }

  function scrapeOnce(): void {
    const started = Date.now();
    const texts = expositions();
    if (Object.values(texts).some((t) => t !== undefined)) {
      const values: Record<string, number> = {};
      for (const [name, value] of Object.entries(probeValues(c.mappings, texts))) {
        record(gauges.get(name)!, name, value);
        values[name] = value;
        const g = growth.get(name);
        if (g) {
          if (!baseline.has(name)) baseline.set(name, value);
          const grown = value - baseline.get(name)!;
          record(g, growthName(name), grown);
          values[growthName(name)] = grown;
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
