// Breaking point (the single-container 1,000-client study): a staged load, each stage held, every
// sample tagged with its stage, so each stage has its own throughput, p50/p95/p99, errors and
// failure modes. The summary reads the stages as the study does: breaking point, last healthy
// stage, degradation. A stage whose errors pass STOP_AT ends the run (k6's abortOnFail).
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';
import type { Scenario } from 'k6/options';
import { defineScenario } from '../lib/k6/scenario.ts';
import { BREAKING_POINT } from '../lib/catalog/breaking-point.ts';
import { durationSeconds } from '../lib/options.ts';
import { tagPhase } from '../lib/k6/phases.ts';
import { trackFailure } from '../lib/k6/metrics.ts';
import { clientTurn } from '../lib/k6/clients.ts';
import { clientUser, clientUsers, requestSetup, turnRequest } from '../lib/k6/user-request.ts';
import { send } from '../lib/k6/send.ts';
import type { ResolvedRequest } from '../lib/request.ts';
import { heldStages, stageSpans } from '../lib/stage-findings.ts';
import { stageFindings, type StagedRun } from '../lib/stage-report.ts';
import { withTag } from '../lib/samples.ts';
import { probeConfig, targetProbe, GENERATOR_LAG } from '../lib/k6/probe.ts';
import { atLimit, cpuShareMeter, EXHAUSTED_AT, fdShare, memoryShare, RESOURCE_LIMITS } from '../lib/resources.ts';

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
      // whole timeout (and a quarter second of bookkeeping), all made before the run, as
      // recovery's blast does: k6 makes a VU found short mid-run one at a time and drops
      // arrivals meanwhile. Past them k6 counts dropped_iterations.
      preAllocatedVUs: Math.ceil(top * (timeoutSeconds + 0.25)) + 20,
      maxVUs: Math.ceil(top * (timeoutSeconds + 0.25)) + 20,
      gracefulStop: k.REQUEST_TIMEOUT,
      exec: 'arrival',
    };

// The probe reads the service's own CPU, memory and open files each second, as shares of their
// limits, and notes when each first reaches the study's limit (lib/resources.ts).
const cpuShare = cpuShareMeter(k.CPU_CORES);
const memoryLimit = k.MEMORY_LIMIT_MB * 1024 * 1024;
const exhaustedAt = new Trend(EXHAUSTED_AT);
const probe = targetProbe(
  probeConfig(
    run,
    spans[spans.length - 1]!.until,
    {
      target_cpu_share: {
        from: (v) => (v.target_cpu_seconds === undefined ? undefined : cpuShare(v.target_cpu_seconds, Date.now())),
        needs: 'target_cpu_seconds (process_cpu_seconds_total) on two scrapes',
      },
      target_memory_share: { from: (v) => memoryShare(v, memoryLimit), needs: 'target_rss_bytes (process_resident_memory_bytes)' },
      target_fd_share: { from: fdShare, needs: 'target_open_fds and target_max_fds (process_open_fds, process_max_fds)' },
    },
    (values) => {
      for (const r of atLimit(values)) exhaustedAt.add(exec.instance.currentTestRunDuration / 1000, { resource: r.resource });
    },
  ),
);

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
  starts: spans.map((s) => s.start),
  // A timer 50 ms late is a generator starved of CPU: a tenth of a second between a client's
  // turns already shows in its p99.
  saturatedLagMs: 50,
  stopRule: stops.length > 0 ? stopRule : undefined,
  stopAt: k.STOP_AT,
};

const stage = (metric: string) => `${metric}{${LOAD}}`;
export const options = run.options(
  {
    scenarios: { load, probe: probe.scenario },
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
          { label: 'CPU, max', metric: 'target_cpu_share', stat: 'max' },
          { label: 'memory, max', metric: 'target_rss_bytes', stat: 'max' },
          { label: 'open files, max', metric: 'target_open_fds', stat: 'max' },
          { label: 'event-loop lag (s)', metric: 'target_event_loop_lag_seconds', stat: 'max' },
          { label: 'k6 timer lag, p99', metric: GENERATOR_LAG, stat: 'p(99)' },
        ],
      },
    ],
    figures: RESOURCE_LIMITS.map((r) => ({
      label: `${r.label} at ${r.limit * 100} % first after (s)`,
      metric: `${EXHAUSTED_AT}{resource:${r.resource}}`,
      stat: 'min',
    })),
    probe,
    // The gates on {capacity:required} hold for each stage whose load is at most HEALTHY_UP_TO.
    expand: {
      placeholder: 'capacity:required',
      into: k.HEALTHY_UP_TO === 0 ? [] : spans.filter((_, i) => k.STAGES[i]!.target <= k.HEALTHY_UP_TO).map((s) => `stage:${s.name}`),
      whyNone: `no stage has a load of at most HEALTHY_UP_TO=${k.HEALTHY_UP_TO}`,
    },
    findings: (data) => stageFindings(data, staged),
  },
);

/** setup(): the preflight, then a request module's own setup with every client it may be asked for. */
export function setup(): unknown {
  run.setup();
  return requestSetup(run.name, run.baseUrl, clientUsers(closed ? top : (load as { maxVUs: number }).maxVUs));
}
export const handleSummary = run.handleSummary;

const dataGet: ResolvedRequest = { method: 'GET', url: `${run.baseUrl}${k.DATA_PATH}`, headers: {}, body: null };
const params = { timeout: k.REQUEST_TIMEOUT, tags: { name: k.DATA_PATH } };
/** GET DATA_PATH, or what a request module gives this client. */
const sendOne = (setupData: unknown) => () =>
  send(turnRequest({ scenario: run.name, baseUrl: run.baseUrl, user: clientUser(), setup: setupData, builtIn: dataGet }), params);

/** Closed model: a client sends, waits for the answer, thinks, and sends again. */
export function client(setupData: unknown): void {
  clientTurn(sendOne(setupData), k.THINK_TIME, spans, 'stage');
}

/** Open model: one request per arrival. */
export function arrival(setupData: unknown): void {
  tagPhase(spans, 'stage');
  trackFailure(sendOne(setupData)());
}

/** The probe: tagged with the stage too, so each stage shows the resources it used. */
export function probeTarget(): void {
  tagPhase(spans, 'stage');
  probe.exec();
}
