// Breaking point (the single-container 1,000-client study): a staged load, each stage held, every
// sample tagged with its stage, so each stage has its own throughput, p50/p95/p99, errors and
// failure modes. The summary reads the stages as the study does: breaking point, last healthy
// stage, degradation. A stage whose errors pass STOP_AT ends the run (k6's abortOnFail).
import http from 'k6/http';
import { sleep } from 'k6';
import type { Scenario } from 'k6/options';
import { defineScenario } from '../lib/k6/scenario.ts';
import { BREAKING_POINT } from '../lib/catalog/breaking-point.ts';
import { durationSeconds } from '../lib/options.ts';
import { tagPhase } from '../lib/k6/phases.ts';
import { trackFailure } from '../lib/k6/metrics.ts';
import { staggerStart } from '../lib/k6/clients.ts';
import { heldStages, stageSpans } from '../lib/stage-findings.ts';
import { stageFindings, type StagedRun } from '../lib/stage-report.ts';
import { withTag } from '../lib/samples.ts';

const run = defineScenario(BREAKING_POINT);
const k = run.knobs;
const spans = stageSpans(k.STAGES);
const closed = k.MODEL === 'closed';
const timeoutSeconds = durationSeconds(k.REQUEST_TIMEOUT)!;
const top = Math.max(...k.STAGES.map((s) => s.target));
// Only the load's requests are read per stage: not setup's preflight, not the probe's scrapes.
const LOAD = 'scenario:load';

const load: Scenario = closed
  ? {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: heldStages(k.STAGES),
      // A client leaving at a step down finishes its request first.
      gracefulRampDown: k.REQUEST_TIMEOUT,
      gracefulStop: k.REQUEST_TIMEOUT,
      exec: 'client',
    }
  : {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      stages: heldStages(k.STAGES),
      // Arrivals do not wait for answers: VUs for every request of the top stage to wait its
      // whole timeout; past that k6 counts dropped_iterations.
      preAllocatedVUs: Math.ceil(top * 0.2) + 10,
      maxVUs: Math.ceil(top * (timeoutSeconds + 1)) + 20,
      gracefulStop: k.REQUEST_TIMEOUT,
      exec: 'arrival',
    };

// The stop rule: a stage's error rate over STOP_AT, judged once the stage has run in full (the
// study stops after a stage, not inside one). None on the last stage: nothing is left to stop.
const stopRule = `rate<=${k.STOP_AT}`;
const stops = k.STOP_AT >= 1 ? [] : spans.slice(0, -1);

const staged: StagedRun = {
  model: k.MODEL,
  labels: spans.map((s) => s.name),
  loads: k.STAGES.map((s) => s.target),
  seconds: spans.map((s) => s.until - s.start),
  filter: LOAD,
  rules: {
    breakAt: k.BREAK_AT,
    healthyP99Ms: durationSeconds(k.HEALTHY_LATENCY)! * 1000,
    healthyErrorRate: k.HEALTHY_ERROR_RATE,
    superLinearAbove: k.SUPER_LINEAR_ABOVE,
  },
  stopRule: stops.length > 0 ? stopRule : undefined,
  stopAt: k.STOP_AT,
};

const stage = (metric: string) => `${metric}{${LOAD}}`;
export const options = run.options(
  {
    scenarios: { load },
    thresholds: Object.fromEntries(
      stops.map((s) => [
        withTag(stage('http_req_failed'), 'stage', s.name),
        [{ threshold: stopRule, abortOnFail: true, delayAbortEval: `${Math.ceil(s.until)}s` }],
      ]),
    ),
  },
  {
    comparisons: [
      {
        title: `By stage (load in ${closed ? 'clients' : 'req/s'})`,
        tag: 'stage',
        columns: Object.fromEntries(spans.map((s) => [s.name, s.until - s.start])),
        rows: [
          { label: 'requests/s', metric: stage('http_reqs'), stat: 'count', perSecond: true },
          { label: 'p50', metric: stage('http_req_duration'), stat: 'med' },
          { label: 'p95', metric: stage('http_req_duration'), stat: 'p(95)' },
          { label: 'p99', metric: stage('http_req_duration'), stat: 'p(99)' },
          { label: 'errors', metric: stage('http_req_failed'), stat: 'rate' },
          { label: 'timeouts', metric: 'failed_requests{failure_mode:request_timeout}', stat: 'count' },
          { label: '5xx', metric: 'failed_requests{failure_mode:http_5xx}', stat: 'count' },
          { label: 'refused', metric: 'failed_requests{failure_mode:conn_refused}', stat: 'count' },
          { label: 'reset', metric: 'failed_requests{failure_mode:conn_reset}', stat: 'count' },
        ],
      },
    ],
    // The gates on {capacity:required} hold for each stage whose load is at most HEALTHY_UP_TO.
    expand: {
      placeholder: 'capacity:required',
      into: k.HEALTHY_UP_TO === 0 ? [] : spans.filter((_, i) => k.STAGES[i]!.target <= k.HEALTHY_UP_TO).map((s) => `stage:${s.name}`),
      whyNone: `no stage has a load of at most HEALTHY_UP_TO=${k.HEALTHY_UP_TO}`,
    },
    findings: (data) => stageFindings(data, staged),
  },
);

export const setup = run.setup;
export const handleSummary = run.handleSummary;

const dataUrl = `${run.baseUrl}${k.DATA_PATH}`;
const params = { timeout: k.REQUEST_TIMEOUT, tags: { name: k.DATA_PATH } };

/** Closed model: a client sends, waits for the answer, thinks, and sends again. */
export function client(): void {
  staggerStart(k.THINK_TIME);
  tagPhase(spans, 'stage');
  trackFailure(http.get(dataUrl, params));
  if (k.THINK_TIME > 0) sleep(k.THINK_TIME);
}

/** Open model: one request per arrival. */
export function arrival(): void {
  tagPhase(spans, 'stage');
  trackFailure(http.get(dataUrl, params));
}
