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

/** A write, and (with probability `retryShare`) the same write again, as a client retries after a lost answer. */
export function writeOnce(w: Write, retryShare: number): void {
  if (post(w, 'POST write')) writesLost.add(1);
  if (retryShare > 0 && Math.random() < retryShare) post(w, 'POST write (retry)');
}

/** In teardown: reads the ledger for this run's keys and records the consistency metrics. */
export function checkWriteLedger(ledgerUrl: string, runId: string): void {
  const res = http.get(`${ledgerUrl}?prefix=${encodeURIComponent(runId)}`, { timeout: '60s', tags: { name: 'ledger' } });
  if (res.status !== 200) {
    console.error(
      `${PREFIX} cannot read the ledger at ${ledgerUrl} (${res.status === 0 ? res.error : `HTTP ${res.status}`}): the write check could not run; ` +
        'set -e LEDGER_PATH= to run without it',
    );
    writesLost.add(1);
    writesAppliedTwice.add(1);
    return;
  }
  const l = res.json() as { applied: number; effects: number; queued: number };
  writesLost.add(-(l.applied + l.queued));
  writesAppliedTwice.add(l.effects - l.applied);
  console.log(`${PREFIX} ledger for run ${runId}: ${l.applied} writes applied (${l.effects} effects), ${l.queued} still queued`);
}
