// Slow upstream (the Go-API resilience study, P0): users keep calling an endpoint whose upstream takes 2-3 s, so
// calls in flight grow as rate x latency; a canary on a fast endpoint shows whether the pileup
// drags everything else down; an upstream outage mid-run shows whether the breaker fails fast.
// The outage is the reference target's switch, or, with -e FAULTS_URL, toxics on the fault proxy
// in front of your service's upstream (the latency too): lib/k6/faults.ts.
import { sleep } from 'k6';
import { defineScenario } from '../lib/k6/scenario.ts';
import { SLOW_UPSTREAM } from '../lib/catalog/slow-upstream.ts';
import { durationSeconds } from '../lib/options.ts';
import { currentUser } from '../lib/k6/users.ts';
import { probeConfig, targetProbe } from '../lib/k6/probe.ts';
import { tagPhase, type Timeline } from '../lib/k6/phases.ts';
import { slowCall, switchOutage } from '../lib/k6/slow-upstream-client.ts';
import { trackFailure } from '../lib/k6/metrics.ts';
import http from 'k6/http';
import { cutStep, faultDriver, latencyStep, type FaultStep } from '../lib/k6/faults.ts';

const run = defineScenario(SLOW_UPSTREAM);
const k = run.knobs;
const seconds = durationSeconds(k.DURATION)!;
const outageAt = k.OUTAGE_MODE === 'none' ? Infinity : durationSeconds(k.OUTAGE_AT)!;
const outageEnd = outageAt + durationSeconds(k.OUTAGE_FOR)!;
const timeline: Timeline = [
  { name: 'steady', until: outageAt },
  { name: 'outage', until: outageEnd },
  // How long after the outage the target is given to be healthy again.
  { name: 'recovering', until: outageEnd + durationSeconds(k.RECOVERY)! },
  { name: 'recovered', until: Infinity },
];
const probe = targetProbe(probeConfig(run, seconds));

// Through the fault proxy: the study's 2-3 s on every answer, and the outage as TCP has it: a
// reset at once for `errors` (the caller fails fast, as on a 503; a status needs the upstream's
// own switch), data that never comes for `hang`.
const faultSteps: FaultStep[] = [
  ...latencyStep(durationSeconds(k.FAULT_LATENCY)! * 1000, durationSeconds(k.FAULT_JITTER)! * 1000, seconds),
  ...(k.OUTAGE_MODE === 'none' ? [] : [cutStep(outageAt, outageEnd, k.OUTAGE_MODE === 'errors' ? 'reset' : 'hang')]),
];
const faults = faultDriver(run, k, seconds, faultSteps);

const pileupRate = k.USERS * k.RATE;
export const options = run.options(
  {
    scenarios: {
      pileup: {
        executor: 'constant-arrival-rate',
        rate: Math.round(pileupRate * 1000),
        timeUnit: '1000s',
        duration: k.DURATION,
        // In flight = rate x latency: enough VUs for the study's worst upstream latency (3 s) plus
        // a second. Past that (a hanging upstream with no timeout) k6 runs out of VUs and counts
        // dropped_iterations, as a real client pool would run out of connections.
        preAllocatedVUs: Math.ceil(pileupRate) + 5,
        maxVUs: Math.ceil(pileupRate * 4) + 10,
        gracefulStop: k.REQUEST_TIMEOUT,
        exec: 'pileup',
      },
      canary: {
        executor: 'constant-arrival-rate',
        rate: Math.round(k.CANARY_RATE * 1000),
        timeUnit: '1000s',
        duration: k.DURATION,
        preAllocatedVUs: Math.ceil(k.CANARY_RATE) + 2,
        maxVUs: Math.ceil(k.CANARY_RATE * 10) + 5,
        exec: 'canary',
      },
      ...(faults ? { faults: faults.scenario } : {}),
      ...(k.OUTAGE_MODE === 'none' || faults
        ? {}
        : {
            outage: {
              executor: 'shared-iterations',
              vus: 1,
              iterations: 1,
              startTime: k.OUTAGE_AT,
              maxDuration: `${durationSeconds(k.OUTAGE_FOR)! + 30}s`,
              exec: 'outage',
            },
          }),
      probe: probe.scenario,
    },
  },
  {
    probe,
    figures: [
      { label: 'calls in flight, max', metric: 'target_inflight', stat: 'max' },
      // A Go service's goroutines (-e PROBE_METRICS=...,target_goroutines=go_goroutines): a figure,
      // not the gate: Go holds one per open connection besides the handlers.
      { label: 'goroutines, max', metric: 'target_goroutines', stat: 'max' },
    ],
    // No outage, nothing to fail fast in or recover from: those gates would judge nothing.
    skip:
      k.OUTAGE_MODE === 'none'
        ? {
            gates: (key) => key.startsWith('outage_') || key.includes('phase:'),
            why: 'OUTAGE_MODE=none: no outage to fail fast in or recover from',
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

/** With FAULTS_URL: the faults on and off at their moments (one VU, the whole run). */
export function driveFaults(data: { faultRun?: string }): void {
  faults!.drive(data.faultRun!);
}

/** Whatever ended the run (its end, an abort, Ctrl-C): none of its faults stays behind. */
export function teardown(data: { faultRun?: string } | undefined): void {
  faults?.end(data?.faultRun);
}

const slowUrl = `${run.baseUrl}${k.SLOW_PATH}`;

export function pileup(): void {
  const phase = tagPhase(timeline);
  slowCall(slowUrl, k.USER_HEADER, currentUser(k.USERS), k.REQUEST_TIMEOUT, phase);
}

export function canary(): void {
  tagPhase(timeline);
  trackFailure(http.get(`${run.baseUrl}${k.FAST_PATH}`, { timeout: k.REQUEST_TIMEOUT }));
}

export function outage(): void {
  const url = `${run.baseUrl}${k.OUTAGE_SWITCH}`;
  if (!switchOutage(url, k.OUTAGE_MODE)) return;
  sleep(durationSeconds(k.OUTAGE_FOR)!);
  switchOutage(url, 'none');
}

export function probeTarget(): void {
  tagPhase(timeline);
  probe.exec();
}
