// Cache stampede (the flood-defence study's cache breakdown): readers of one hot key at a steady
// rate while its cache entry keeps expiring. The service's stores count the expiries and the
// origin queries (read through the probe); the readers' latency shows what an expiry costs them.
import http from 'k6/http';
import { defineScenario } from '../lib/k6/scenario.ts';
import { CACHE_STAMPEDE } from '../lib/catalog/cache-stampede.ts';
import { durationSeconds } from '../lib/options.ts';
import { probeConfig, targetProbe } from '../lib/k6/probe.ts';
import { userArrivals } from '../lib/k6/burst-client.ts';
import { trackFailure } from '../lib/k6/metrics.ts';
import { ratioSinceFirst } from '../lib/counter-meters.ts';
import { faultDriver, latencyStep } from '../lib/k6/faults.ts';

const run = defineScenario(CACHE_STAMPEDE);
const k = run.knobs;
const perExpiry = ratioSinceFirst(k.MIN_EXPIRIES);
const seconds = durationSeconds(k.DURATION)!;
// With FAULTS_URL: the origin database slow on every answer through the fault proxy, the whole run.
const faults = faultDriver(run, k, seconds, latencyStep(durationSeconds(k.FAULT_LATENCY)! * 1000, 0, seconds));
const probe = targetProbe(
  probeConfig(run, durationSeconds(k.DURATION)!, {
    target_origin_queries_per_expiry: {
      from: (v) =>
        v.target_origin_queries === undefined || v.target_cache_expiries === undefined
          ? undefined
          : perExpiry(v.target_origin_queries, v.target_cache_expiries),
      needs: `target_origin_queries and target_cache_expiries, ${k.MIN_EXPIRIES} expiries apart`,
    },
  }),
);

export const options = run.options(
  {
    scenarios: {
      readers: { ...userArrivals(k.RATE, k.DURATION, k.REQUEST_TIMEOUT), exec: 'reader' },
      probe: probe.scenario,
      ...(faults ? { faults: faults.scenario } : {}),
    },
  },
  {
    probe,
    figures: [
      { label: 'origin queries per expiry', metric: 'target_origin_queries_per_expiry', stat: 'max' },
      { label: 'origin connections in use, most', metric: 'target_db_connections_peak', stat: 'max' },
    ],
  },
);

const url = `${run.baseUrl}${k.API_PATH}?key=${k.KEY}`;

/** setup(): the target checked, and the key read once, so the run starts from a warm cache as a hot key would. */
export function setup(): { faultRun?: string } {
  run.setup();
  http.get(url, { tags: { name: 'warm-up' }, timeout: k.REQUEST_TIMEOUT });
  return { faultRun: faults?.begin() };
}

export const handleSummary = run.handleSummary;

export function driveFaults(data: { faultRun?: string }): void {
  faults!.drive(data.faultRun!);
}

export function teardown(data: { faultRun?: string } | undefined): void {
  faults?.end(data?.faultRun);
}

export function reader(): void {
  trackFailure(http.get(url, { timeout: k.REQUEST_TIMEOUT }));
}

export function probeTarget(): void {
  probe.exec();
}
