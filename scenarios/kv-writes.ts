// KV write budget (the Go-API resilience study, P1): the burst shape against a per-user limiter
// that keeps its state in a KV store. The store's own count of writes, read through the probe,
// gives writes per user per second and a projection a day against its quota; a store outage
// (made by you or the test, timed by OUTAGE_AT and OUTAGE_FOR) shows whether the limiter degrades
// without 5xx and writes again when the store is back.
import { sleep } from 'k6';
import { defineScenario } from '../lib/k6/scenario.ts';
import { KV_WRITES } from '../lib/catalog/kv-writes.ts';
import { durationSeconds } from '../lib/options.ts';
import { currentUser } from '../lib/k6/users.ts';
import { overLimitRequest, userArrivals, userGet, wellBehavedRequest } from '../lib/k6/burst-client.ts';
import { probeConfig, targetProbe } from '../lib/k6/probe.ts';
import { tagPhase, type Timeline } from '../lib/k6/phases.ts';
import { ratePerSecond } from '../lib/counter-meters.ts';
import { kvFindings, PROJECTED_PER_DAY, STORE_UP_IN_OUTAGE, WRITES_PER_REQUEST } from '../lib/kv-report.ts';
import { cutStep, faultDriver } from '../lib/k6/faults.ts';

const run = defineScenario(KV_WRITES);
const k = run.knobs;
const seconds = durationSeconds(k.DURATION)!;
const outageFor = durationSeconds(k.OUTAGE_FOR)!;
const outageAt = outageFor === 0 ? Infinity : durationSeconds(k.OUTAGE_AT)!;
const timeline: Timeline = [
  { name: 'steady', until: outageAt },
  { name: 'outage', until: outageAt + outageFor },
  { name: 'recovering', until: outageAt + outageFor + durationSeconds(k.RECOVERY)! },
  { name: 'recovered', until: Infinity },
];
// Every user the store keeps state for: the well-behaved ones and the one over the limit.
const users = k.USERS + (k.OVER_RATE > 0 ? 1 : 0);
// With FAULTS_URL the scenario breaks the store itself: every connection to it reset, from OUTAGE_AT for OUTAGE_FOR.
const faults = faultDriver(run, k, seconds, outageFor === 0 ? [] : [cutStep(outageAt, outageAt + outageFor, 'reset')]);
// Over 5 s of scrapes: per scrape, a delay of a tenth of a second would read as a tenth more writes.
const writesPerSecond = ratePerSecond(5);
// Requests a second the load offers: the arrival rates.
const offered = k.USERS * k.RATE + k.OVER_RATE;
const probe = targetProbe(
  probeConfig(run, seconds, {
    target_kv_writes_per_user_second: {
      from: (v) => {
        const perSecond = v.target_kv_store_writes === undefined ? undefined : writesPerSecond(v.target_kv_store_writes, Date.now());
        return perSecond === undefined ? undefined : perSecond / users;
      },
      needs: 'target_kv_store_writes, over 5 s of the run',
    },
    // Over the load offered, not the service's count of requests: behind a balancer the probe
    // reads one instance's count, while the store counts every instance's writes.
    [WRITES_PER_REQUEST]: {
      from: (v) => (v.target_kv_writes_per_user_second === undefined ? undefined : (v.target_kv_writes_per_user_second * users) / offered),
      needs: 'target_kv_writes_per_user_second',
    },
    [PROJECTED_PER_DAY]: {
      from: (v) => (v[WRITES_PER_REQUEST] === undefined ? undefined : v[WRITES_PER_REQUEST] * k.REQUESTS_PER_USER_DAY * k.DAILY_USERS),
      needs: `${WRITES_PER_REQUEST}`,
    },
  }),
);

export const options = run.options(
  {
    scenarios: {
      users: { ...userArrivals(k.USERS * k.RATE, k.DURATION, k.REQUEST_TIMEOUT), exec: 'user' },
      ...(k.OVER_RATE > 0 ? { over_limit: { ...userArrivals(k.OVER_RATE, k.DURATION, k.REQUEST_TIMEOUT), exec: 'overLimit' } } : {}),
      probe: probe.scenario,
      ...(faults ? { faults: faults.scenario } : {}),
    },
  },
  {
    probe,
    figures: [
      { label: 'KV writes per user per second, median', metric: 'target_kv_writes_per_user_second', stat: 'med' },
      { label: 'KV writes per request, median', metric: WRITES_PER_REQUEST, stat: 'med' },
      { label: 'KV writes a day, projected', metric: PROJECTED_PER_DAY, stat: 'med' },
      ...(outageFor > 0
        ? [
            { label: 'users refused in the outage', metric: 'rate_limit_false_positives{phase:outage}', stat: 'rate' },
            { label: "users' 5xx in the outage", metric: 'failed_requests{failure_mode:http_5xx,phase:outage}', stat: 'count' },
            { label: 'store up in the outage (1 yes, 0 no), lowest', metric: STORE_UP_IN_OUTAGE, stat: 'min' },
          ]
        : []),
    ],
    findings: (data) =>
      kvFindings(data, {
        quota: k.WRITE_QUOTA,
        dailyUsers: k.DAILY_USERS,
        requestsPerUserDay: k.REQUESTS_PER_USER_DAY,
        outage: outageFor > 0,
      }),
    skip:
      outageFor === 0
        ? {
            gates: (key) => key.includes('phase:'),
            why: 'OUTAGE_FOR=0: no store outage to recover from (break the store at OUTAGE_AT, for OUTAGE_FOR)',
          }
        : undefined,
  },
);

/** setup(): the preflight, and with FAULTS_URL the fault proxy checked and the run's lease taken. */
export function setup(): { faultRun?: string } {
  run.setup();
  return { faultRun: faults?.begin() };
}
export const handleSummary = run.handleSummary;

export function driveFaults(data: { faultRun?: string }): void {
  faults!.drive(data.faultRun!);
}

export function teardown(data: { faultRun?: string } | undefined): void {
  faults?.end(data?.faultRun);
}

const url = `${run.baseUrl}${k.API_PATH}`;

export function user(): void {
  tagPhase(timeline);
  const user = currentUser(k.USERS);
  wellBehavedRequest({ request: userGet(url, k.USER_HEADER, user), user, timeout: k.REQUEST_TIMEOUT });
}

export function overLimit(): void {
  tagPhase(timeline);
  // Up to half an interval of jitter: a real client is no metronome (see burst).
  sleep((Math.random() * 0.5) / k.OVER_RATE);
  overLimitRequest({ request: userGet(url, k.USER_HEADER, 'over-limit'), user: 'over-limit', timeout: k.REQUEST_TIMEOUT }, k.LIMIT, false);
}

export function probeTarget(): void {
  tagPhase(timeline);
  probe.exec();
}
