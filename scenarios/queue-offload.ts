// Queue offload (the flood-defence study): a burst of writes far above what the database takes,
// then the drain, watched. The writers' latency is the accept's; the probe reads the queue's
// backlog from the service; the teardown's ledger says whether every acknowledged write was
// applied (or is still queued) and none took effect twice.
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';
import { defineScenario } from '../lib/k6/scenario.ts';
import { QUEUE_OFFLOAD } from '../lib/catalog/queue-offload.ts';
import { durationSeconds } from '../lib/options.ts';
import { probeConfig, targetProbe } from '../lib/k6/probe.ts';
import { tagPhase, type Timeline } from '../lib/k6/phases.ts';
import { userArrivals } from '../lib/k6/burst-client.ts';
import { checkWriteLedger, writeOnce } from '../lib/k6/queue-client.ts';
import { newRunId } from '../lib/run-id.ts';
import { sinceFirst } from '../lib/counter-meters.ts';

const run = defineScenario(QUEUE_OFFLOAD);
const k = run.knobs;
const burstSeconds = durationSeconds(k.BURST_FOR)!;
const drainSeconds = durationSeconds(k.DRAIN_WITHIN)!;
const timeline: Timeline = [
  { name: 'burst', until: burstSeconds },
  { name: 'draining', until: burstSeconds + drainSeconds },
  { name: 'settled', until: Infinity },
];

/** Seconds from the end of the burst to the first scrape that saw the queue empty. */
const drainedAfter = new Trend('queue_drained_after_seconds');
let drained = false; // the probe's own VU
// The service's count of reclaimed entries is its own, since it started: this run's share of it.
const reclaimedSince = sinceFirst();
const probe = targetProbe(
  probeConfig(
    run,
    burstSeconds + drainSeconds + durationSeconds(k.SETTLE_FOR)!,
    {
      queue_reclaimed_in_run: {
        from: (v) => (v.target_queue_reclaimed === undefined ? undefined : reclaimedSince(v.target_queue_reclaimed)),
        needs: 'target_queue_reclaimed',
      },
    },
    (v) => {
      if (drained || v.target_queue_backlog !== 0) return;
      const since = exec.instance.currentTestRunDuration / 1000 - burstSeconds;
      if (since < 0) return;
      drained = true;
      drainedAfter.add(since);
    },
  ),
);

export const options = run.options(
  {
    scenarios: {
      writes: { ...userArrivals(k.RATE, k.BURST_FOR, k.REQUEST_TIMEOUT), exec: 'writer' },
      probe: probe.scenario,
    },
    teardownTimeout: '120s',
  },
  {
    probe,
    figures: [
      { label: 'backlog, most', metric: 'target_queue_backlog', stat: 'max' },
      { label: 'queue empty after the burst (s)', metric: 'queue_drained_after_seconds', stat: 'min' },
      { label: 'entries reclaimed from a worker that held them too long', metric: 'queue_reclaimed_in_run', stat: 'max' },
      { label: 'writes with no answer (may have been applied)', metric: 'writes_unanswered', stat: 'count' },
      { label: '202s naming a status URL', metric: 'writes_status_url_given', stat: 'rate' },
      { label: 'writes queued (202) rather than applied (201)', metric: 'writes_queued', stat: 'rate' },
      // Writers all waiting on a slow service: k6 could not send the rest of the burst.
      { label: 'writes not sent (no VU free)', metric: 'dropped_iterations', stat: 'count' },
    ],
    skip:
      k.LEDGER_PATH === ''
        ? { gates: (key) => key.startsWith('writes_'), why: 'LEDGER_PATH is empty: no ledger to check the writes against' }
        : undefined,
  },
);

export function setup(): { runId: string } {
  run.setup();
  return { runId: newRunId() };
}

export const handleSummary = run.handleSummary;
const writeUrl = `${run.baseUrl}${k.WRITE_PATH}`;

export function writer(data: { runId: string }): void {
  writeOnce(
    { url: writeUrl, key: `${data.runId}-${exec.scenario.iterationInTest}`, amount: k.AMOUNT, timeout: k.REQUEST_TIMEOUT },
    k.RETRY_SHARE,
  );
}

export function probeTarget(): void {
  tagPhase(timeline);
  probe.exec();
}

export function teardown(data: { runId: string }): void {
  if (k.LEDGER_PATH !== '') checkWriteLedger(`${run.baseUrl}${k.LEDGER_PATH}`, data.runId);
}
