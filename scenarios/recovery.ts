// Recovery (the single-container 1,000-client study): normal load, a blast at twice the top
// stage, the blast winding down, then one check a second until a one-second window is healthy
// (p99 and errors under the study's bounds). recovery_seconds counts from the start of the
// wind-down, as the study does.
import http from 'k6/http';
import { setTimeout } from 'k6/timers';
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';
import { defineScenario } from '../lib/k6/scenario.ts';
import { RECOVERY } from '../lib/catalog/recovery.ts';
import { durationSeconds } from '../lib/options.ts';
import { tagPhase, type Timeline } from '../lib/k6/phases.ts';
import { trackFailure } from '../lib/k6/metrics.ts';
import { windowHealthy } from '../lib/recovery-window.ts';
import { clientTurn } from '../lib/k6/clients.ts';
import { clientUser, clientUsers, requestSetup, turnRequest } from '../lib/k6/user-request.ts';
import { send } from '../lib/k6/send.ts';
import type { ResolvedRequest } from '../lib/request.ts';
import { BLAST_DROPPED, BLAST_SENT, HEALTH_IN_BLAST, recoveryFindings } from '../lib/recovery-report.ts';

const run = defineScenario(RECOVERY);
const k = run.knobs;
const normalFor = durationSeconds(k.NORMAL_FOR)!;
const blastFor = durationSeconds(k.BLAST_FOR)!;
const reduceFor = durationSeconds(k.REDUCE_FOR)!;
const observeFor = durationSeconds(k.OBSERVE_FOR)!;
const blastEnd = normalFor + blastFor;
const total = blastEnd + reduceFor + observeFor;
const timeline: Timeline = [
  { name: 'before', until: normalFor },
  { name: 'blast', until: blastEnd },
  { name: 'reduce', until: blastEnd + reduceFor },
  { name: 'after', until: Infinity },
];

/** Seconds from the start of the wind-down to the end of the first healthy window; past the observation when never. */
const recoverySeconds = new Trend('recovery_seconds');
/** The check's GET HEALTH_PATH, once a second all along: did health stay answered in the blast? */
const healthDuration = new Trend('health_duration', true);

const timeoutSeconds = durationSeconds(k.REQUEST_TIMEOUT)!;
// A timed-out request holds its VU a little past the timeout (the answer's bookkeeping): a
// quarter second more of arrivals.
const blastVUs = Math.ceil(k.BLAST_RATE * (timeoutSeconds + 0.25)) + 20;
export const options = run.options(
  {
    scenarios: {
      normal: { executor: 'constant-vus', vus: k.CLIENTS, duration: `${total}s`, exec: 'client', gracefulStop: k.REQUEST_TIMEOUT },
      blast: {
        executor: 'ramping-arrival-rate',
        startTime: k.NORMAL_FOR,
        startRate: k.BLAST_RATE,
        timeUnit: '1s',
        stages: [
          { duration: k.BLAST_FOR, target: k.BLAST_RATE },
          { duration: k.REDUCE_FOR, target: 0 },
        ],
        // Enough VUs for every request of the blast to wait its whole timeout: the open model's
        // promise is that arrivals do not wait for answers. All made before the run: k6 makes a
        // VU found short mid-run one at a time, running the script's init each time, and a full
        // run against a service that stops answering dropped 37,000 of the 60,000 arrivals while
        // it did (k6 at 0.4 cores: not short of CPU).
        preAllocatedVUs: blastVUs,
        maxVUs: blastVUs,
        gracefulStop: k.REQUEST_TIMEOUT,
        exec: 'blaster',
      },
      check: { executor: 'constant-vus', vus: 1, duration: `${total}s`, exec: 'check', gracefulStop: k.REQUEST_TIMEOUT },
    },
  },
  {
    comparisons: [
      {
        title: 'By phase (normal clients and blast together; health: the check)',
        tag: 'phase',
        columns: { before: normalFor, blast: blastFor, after: observeFor },
        rows: [
          { label: 'requests/s', metric: 'http_reqs', stat: 'count', perSecond: true },
          { label: 'p99', metric: 'http_req_duration', stat: 'p(99)' },
          { label: 'errors', metric: 'http_req_failed', stat: 'rate' },
          { label: 'health p99', metric: 'health_duration', stat: 'p(99)' },
        ],
      },
    ],
    figures: [
      { label: 'recovered after (s)', metric: 'recovery_seconds', stat: 'max' },
      { label: 'blast requests sent', metric: BLAST_SENT, stat: 'count' },
      { label: 'blast arrivals k6 dropped', metric: BLAST_DROPPED, stat: 'count' },
      { label: 'health, slowest in the blast', metric: HEALTH_IN_BLAST, stat: 'max' },
    ],
    findings: (data) => recoveryFindings(data, { rate: k.BLAST_RATE, seconds: blastFor, timeoutMs: timeoutSeconds * 1000 }),
  },
);

/** setup(): the preflight, then a request module's own setup with every client it may be asked for. */
export function setup(): unknown {
  run.setup();
  return requestSetup(run.name, run.baseUrl, [...clientUsers(k.CLIENTS + blastVUs), 'check']);
}
export const handleSummary = run.handleSummary;

const dataGet: ResolvedRequest = { method: 'GET', url: `${run.baseUrl}${k.DATA_PATH}`, headers: {}, body: null };
const params = { timeout: k.REQUEST_TIMEOUT, tags: { name: k.DATA_PATH } };
/** GET DATA_PATH, or what a request module gives this client. */
const sendOne = (setupData: unknown) => () =>
  send(turnRequest({ scenario: run.name, baseUrl: run.baseUrl, user: clientUser(), setup: setupData, builtIn: dataGet }), params);

export function client(setupData: unknown): void {
  clientTurn(sendOne(setupData), k.THINK_TIME, timeline);
}

export function blaster(setupData: unknown): void {
  tagPhase(timeline);
  trackFailure(sendOne(setupData)());
}

const healthy = { p99Ms: durationSeconds(k.HEALTHY_LATENCY)! * 1000, maxErrorRate: k.HEALTHY_ERROR_RATE };
let recorded = false; // the check is one VU: its module state is the whole check

/** A promise that resolves after `ms`: the check waits without blocking its own requests. */
const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * One window: CHECK_REQUESTS to DATA_PATH spread evenly over the second (all at once would
 * queue behind each other and measure the check, not the service) and one to HEALTH_PATH.
 */
export async function check(setupData: unknown): Promise<void> {
  const started = Date.now();
  const phase = tagPhase(timeline);
  const spacing = 1000 / k.CHECK_REQUESTS;
  const healthAnswer = http.asyncRequest('GET', `${run.baseUrl}${run.healthPath}`, null, {
    timeout: k.REQUEST_TIMEOUT,
    tags: { name: 'health' },
  });
  const answers = await Promise.all(
    Array.from({ length: k.CHECK_REQUESTS }, (_, i) =>
      after(i * spacing).then(() => {
        // The clients' request (a request module's, when one is bundled), so health is judged on what they send.
        const req = turnRequest({ scenario: run.name, baseUrl: run.baseUrl, user: 'check', setup: setupData, builtIn: dataGet });
        return http.asyncRequest(req.method, req.url, req.body, { ...params, headers: req.headers });
      }),
    ),
  );
  const health = await healthAnswer;
  healthDuration.add(health.status === 0 ? timeoutSeconds * 1000 : health.timings.duration);
  for (const res of answers) trackFailure(res);
  const elapsed = exec.instance.currentTestRunDuration / 1000;
  if (!recorded && (phase === 'reduce' || phase === 'after')) {
    const window = answers.map((res) => ({ ms: res.timings.duration, failed: res.status === 0 || res.status >= 400 }));
    if (windowHealthy(window, healthy)) {
      recoverySeconds.add(elapsed - blastEnd);
      recorded = true;
    } else if (elapsed >= total - 1 - timeoutSeconds) {
      // The last window that can finish in the run: not recovered within it.
      recoverySeconds.add(reduceFor + observeFor);
      recorded = true;
    }
  }
  await after(1000 - (Date.now() - started));
}
