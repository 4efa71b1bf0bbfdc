// Writes with idempotency keys into a service that may queue them, and the end-of-run check
// that none was lost or applied twice. A write the service acknowledged (201 applied, 202
// queued) must be applied or still queued when the run ends; a write sent twice with one key
// (a client's retry) must take effect once.
import http from 'k6/http';
import { Counter, Rate } from 'k6/metrics';
import { headerOf } from '../http-headers.ts';
import { PREFIX } from '../fail.ts';
import { trackFailure } from './metrics.ts';

/** +1 per acknowledged write, minus the run's writes applied or still queued: > 0 means acknowledged writes went missing. */
export const writesLost = new Counter('writes_lost');
/** Effects beyond one per applied key: > 0 means a write took effect twice. */
export const writesAppliedTwice = new Counter('writes_applied_twice');
/** Share of 202s that say where to ask for the write's status (Location, or statusUrl in the body). */
export const statusUrlGiven = new Rate('writes_status_url_given');
/** Share of acknowledged writes that were queued (202) rather than applied before the answer (201). */
export const writesQueued = new Rate('writes_queued');
/**
 * Writes no answer came back for (a timeout, a cut connection): they may have been applied, and
 * each one applied can hide one lost write in writes_lost, which is then a lower bound.
 */
export const writesUnanswered = new Counter('writes_unanswered');

export interface Write {
  url: string;
  key: string;
  amount: number;
  timeout: string;
}

/** One POST of a write; whether the service acknowledged it. */
function post(w: Write, name: string): boolean {
  const res = http.post(w.url, JSON.stringify({ amount: w.amount }), {
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': w.key },
    timeout: w.timeout,
    tags: { name },
  });
  trackFailure(res);
  if (res.status === 0) writesUnanswered.add(1);
  const acknowledged = res.status === 201 || res.status === 202;
  if (res.status === 202) {
    let body: unknown;
    try {
      body = res.json();
    } catch {
      body = undefined;
    }
    const fromBody = typeof body === 'object' && body !== null ? (body as { statusUrl?: unknown }).statusUrl : undefined;
    statusUrlGiven.add(headerOf(res.headers, 'Location') !== undefined || typeof fromBody === 'string');
  }
  if (acknowledged) writesQueued.add(res.status === 202);
  return acknowledged;
}

/**
 * A write, and (with probability `retryShare`) the same write again, as a client retries after a
 * lost answer. Acknowledged once if either POST was: the service owes the key one effect.
 */
export function writeOnce(w: Write, retryShare: number): void {
  let acknowledged = post(w, 'POST write');
  if (retryShare > 0 && Math.random() < retryShare) acknowledged = post(w, 'POST write (retry)') || acknowledged;
  if (acknowledged) writesLost.add(1);
}

const LEDGER_FIELDS = ['applied', 'effects', 'queued'] as const;

/** In teardown: reads the ledger for this run's keys and records the consistency metrics. */
export function checkWriteLedger(ledgerUrl: string, runId: string): void {
  // The separator keeps this run's prefix from matching a run whose id merely starts with it.
  const res = http.get(`${ledgerUrl}?prefix=${encodeURIComponent(`${runId}-`)}`, { timeout: '60s', tags: { name: 'ledger' } });
  let l: Record<string, unknown> | undefined;
  try {
    l = res.status === 200 ? (res.json() as Record<string, unknown>) : undefined;
  } catch {
    l = undefined;
  }
  if (l !== undefined && !LEDGER_FIELDS.every((f) => Number.isInteger(l![f]) && (l![f] as number) >= 0)) {
    console.error(
      `${PREFIX} the ledger at ${ledgerUrl} answered ${String(res.body).slice(0, 200)}: expected {"applied": n, "effects": n, "queued": n} ` +
        "(this run's keys applied, the times they took effect, and those still queued); the write check could not run",
    );
    writesLost.add(1);
    writesAppliedTwice.add(1);
    return;
  }
  if (l === undefined) {
    console.error(
      `${PREFIX} cannot read the ledger at ${ledgerUrl} (${res.status === 0 ? res.error : `HTTP ${res.status}`}): the write check could not run; ` +
        'set -e LEDGER_PATH= to run without it',
    );
    writesLost.add(1);
    writesAppliedTwice.add(1);
    return;
  }
  const { applied, effects, queued } = l as Record<(typeof LEDGER_FIELDS)[number], number>;
  writesLost.add(-(applied + queued));
  writesAppliedTwice.add(effects - applied);
  console.log(`${PREFIX} ledger for run ${runId}: ${applied} writes applied (${effects} effects), ${queued} still queued`);
}
