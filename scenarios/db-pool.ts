// DB-pool exhaustion (the Go-API resilience study, P1): clients ramp past what a 60-connection pool of long
// transactions can serve, hold there, then drop to a low steady rate: what error does a client
// see when the pool runs dry, how long until the service is healthy again, and was any debit
// lost or applied twice?
import { sleep } from 'k6';
import exec from 'k6/execution';
import { defineScenario } from '../lib/k6/scenario.ts';
import { DB_POOL } from '../lib/catalog/db-pool.ts';
import { durationSeconds } from '../lib/options.ts';
import { probeConfig, targetProbe } from '../lib/k6/probe.ts';
import { checkLedger, debit } from '../lib/k6/db-pool-ledger.ts';
import { Trend } from 'k6/metrics';
import { newRunId } from '../lib/run-id.ts';
import { faultDriver, latencyStep } from '../lib/k6/faults.ts';

const run = defineScenario(DB_POOL);
const k = run.knobs;
const overloadSeconds = k.OVERLOAD_STAGES.reduce((sum, s) => sum + durationSeconds(s.duration)!, 0);
const recoverySeconds = durationSeconds(k.RECOVERY_FOR)!;
const probe = targetProbe(probeConfig(run, overloadSeconds + recoverySeconds));
// With FAULTS_URL: the database slow on every answer through the fault proxy, the whole run.
const faults = faultDriver(
  run,
  k,
  overloadSeconds + recoverySeconds,
  latencyStep(durationSeconds(k.FAULT_LATENCY)! * 1000, 0, overloadSeconds + recoverySeconds),
);

/**
 * Seconds after the overload ended at which the service last answered unhealthily (an error,
 * or slower than HEALTHY_LATENCY): its max is how long recovery took (0: at once).
 */
const recoveryTrend = new Trend('recovery_seconds');

export const options = run.options(
  {
    scenarios: {
      overload: {
        executor: 'ramping-vus',
        stages: k.OVERLOAD_STAGES,
        // The overload ends when the stages do: requests still waiting are cut, not waited for.
        gracefulRampDown: '0s',
        gracefulStop: '0s',
        exec: 'overload',
      },
      // One VU, so "the last unhealthy answer" is one sequence of requests, paced to RECOVERY_RATE.
      recovery: {
        executor: 'constant-vus',
        vus: 1,
        duration: k.RECOVERY_FOR,
        startTime: `${overloadSeconds}s`,
        gracefulStop: k.REQUEST_TIMEOUT,
        exec: 'recovery',
      },
      probe: probe.scenario,
      ...(faults ? { faults: faults.scenario } : {}),
    },
    teardownTimeout: '120s',
  },
  {
    probe,
    figures: [
      { label: 'first 503 after (s)', metric: 'time_to_first_503_seconds', stat: 'min' },
      { label: 'recovery (s)', metric: 'recovery_seconds', stat: 'max' },
      { label: 'pool waiting, max', metric: 'target_pool_waiting', stat: 'max' },
      { label: 'server connections, max', metric: 'target_db_server_connections', stat: 'max' },
    ],
  },
);

export function setup(): { runId: string; faultRun?: string } {
  run.setup();
  // Every key and account of this run starts with it, so the ledger check reads only this run.
  return { runId: newRunId(), faultRun: faults?.begin() };
}

export function driveFaults(data: { faultRun?: string }): void {
  faults!.drive(data.faultRun!);
}

export const handleSummary = run.handleSummary;
const debitUrl = `${run.baseUrl}${k.DEBIT_PATH}`;
const healthyMs = durationSeconds(k.HEALTHY_LATENCY)! * 1000;

function debitOnce(runId: string): boolean {
  const vu = exec.vu.idInTest;
  return debit(
    // One account per VU: debits of different clients never wait on each other's row lock.
    {
      url: debitUrl,
      key: `${runId}-${vu}-${exec.vu.iterationInInstance}`,
      account: `${runId}-a${vu}`,
      amount: k.AMOUNT,
      timeout: k.REQUEST_TIMEOUT,
    },
    healthyMs,
  );
}

export function overload(data: { runId: string }): void {
  debitOnce(data.runId);
}

let recorded = false; // per VU: the recovery VU records a 0 first, so a service that never faltered reads 0
export function recovery(data: { runId: string }): void {
  const started = Date.now();
  const healthy = debitOnce(data.runId);
  const since = exec.instance.currentTestRunDuration / 1000 - overloadSeconds;
  if (!recorded) {
    recoveryTrend.add(0);
    recorded = true;
  }
  if (!healthy) recoveryTrend.add(Math.max(0, since));
  sleep(Math.max(0, 1 / k.RECOVERY_RATE - (Date.now() - started) / 1000));
}

export const probeTarget = probe.exec;

export function teardown(data: { runId: string; faultRun?: string }): void {
  // The faults off first: the ledger is read from a database as it is.
  faults?.end(data.faultRun);
  checkLedger(`${run.baseUrl}${k.LEDGER_PATH}`, data.runId);
}
