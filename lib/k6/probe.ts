// Samples the target's own Prometheus metrics during a run and records them as k6 metrics
// (target_inflight, target_rss_bytes...), so they carry thresholds and reach the same outputs
// as the load's. Runs as its own one-VU scenario, so it never takes VUs or arrivals from the load.
import http from 'k6/http';
import { sleep } from 'k6';
import { Trend } from 'k6/metrics';
import type { Scenario } from 'k6/options';
import { durationSeconds } from '../options.ts';
import { sampleSum, type ProbeMapping } from '../prometheus.ts';

export interface ProbeConfig {
  url: string;
  interval: string;
  mappings: ProbeMapping[];
  /** How long the probe samples: the length of the load. */
  seconds: number;
  /**
   * Metrics computed from each scrape's values (by k6 name, growth included), recorded as Trends
   * too; a function returns undefined when it has nothing to say (too few connections, say).
   */
  derived?: Record<string, (values: Record<string, number>) => number | undefined>;
}

/**
 * The probe's scenario and its exec function. A mapping whose k6 name ends in `_rss_bytes` also
 * yields `<prefix>_rss_growth_bytes`: RSS now minus RSS at the first sample.
 */
export function targetProbe(c: ProbeConfig) {
  // Trends, not Gauges: thresholds on a k6 Gauge can only read its last value, and the question
  // is the peak (max) or the spread (p95) over the run.
  const gauges = new Map(c.mappings.map((m) => [m.k6Name, new Trend(m.k6Name)]));
  const growth = new Map(
    c.mappings
      .filter((m) => m.k6Name.endsWith('_rss_bytes'))
      .map((m) => [m.k6Name, new Trend(m.k6Name.replace(/_rss_bytes$/, '_rss_growth_bytes'))]),
  );
  const derived = Object.entries(c.derived ?? {}).map(([name, fn]) => ({ trend: new Trend(name), fn }));
  const intervalSeconds = durationSeconds(c.interval)!;
  const scenario: Scenario = {
    executor: 'constant-vus',
    vus: 1,
    duration: `${Math.max(1, Math.ceil(c.seconds))}s`,
    exec: 'probeTarget',
    gracefulStop: '0s',
  };

  // One VU runs every probe iteration, so this module state is the probe's own, not shared.
  const baseline = new Map<string, number>();
  let warned = false;

  function scrapeOnce(): void {
    const started = Date.now();
    const res = http.get(c.url, { timeout: c.interval, tags: { name: 'probe' }, responseType: 'text' });
    if (res.status !== 200 || typeof res.body !== 'string') {
      if (!warned) {
        console.warn(
          `floodgate probe: cannot read ${c.url} (${res.status === 0 ? res.error : `HTTP ${res.status}`}); the run goes on without target metrics`,
        );
        warned = true;
      }
    } else {
      const values: Record<string, number> = {};
      for (const m of c.mappings) {
        const value = sampleSum(res.body, m.selector);
        if (value === undefined) continue;
        gauges.get(m.k6Name)!.add(value);
        values[m.k6Name] = value;
        const g = growth.get(m.k6Name);
        if (g) {
          if (!baseline.has(m.k6Name)) baseline.set(m.k6Name, value);
          g.add(value - baseline.get(m.k6Name)!);
          values[m.k6Name.replace(/_rss_bytes$/, '_rss_growth_bytes')] = value - baseline.get(m.k6Name)!;
        }
      }
      for (const d of derived) {
        const v = d.fn(values);
        if (v !== undefined && Number.isFinite(v)) d.trend.add(v);
      }
    }
    sleep(Math.max(0, intervalSeconds - (Date.now() - started) / 1000));
  }

  return { scenario, exec: scrapeOnce };
}
