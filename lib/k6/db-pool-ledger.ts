// Debits with idempotency keys, and the end-of-run check that none was lost or applied twice.
// The client cannot know whether a request that timed out committed, so the check is honest
// about it: acknowledged <= recorded <= acknowledged + unknown.
import http from 'k6/http';
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import { PREFIX } from '../fail.ts';
import { trackFailure } from './metrics.ts';

/** +1 per acknowledged debit, minus the debits the ledger holds: > 0 means acknowledged debits went missing. */
export const debitsLost = new Counter('debits_lost');
/** The ledger's debits, minus every debit sent that may have applied: > 0 means debits nobody sent (or one applied twice). */
export const debitsPhantom = new Counter('debits_phantom');
/** Ledger invariants broken: a key applied twice, or balances that do not add up to the debits. */
export const consistencyMismatches = new Counter('consistency_mismatches');
/** Seconds from the start of the test to each VU's first 503: its min is when the pool first ran dry. */
export const timeToFirst503 = new Trend('time_to_first_503_seconds');

let seen503 = false; // per VU: only its first 503 counts

export interface Debit {
  url: string;
  key: string;
  account: string;
  amount: number;
  timeout: string;
}

/**
 * Sends one debit; returns whether it was healthy within `healthyMs`. A client that is told
 * 503 with Retry-After waits that long (at most 5 s) before its next request, as a good one does.
 */
export function debit(d: Debit, healthyMs: number): boolean {
  // Counted as possibly applied before it is sent: a request cut at the end of the overload
  // never comes back, and it may still commit.
  debitsPhantom.add(-1);
  const res = http.post(d.url, JSON.stringify({ account: d.account, amount: d.amount }), {
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': d.key },
    timeout: d.timeout,
    tags: { name: 'POST debit' },
  });
  trackFailure(res);
  const ok = res.status >= 200 && res.status < 300;
  if (ok) debitsLost.add(1);
  // Known not applied: refused before it reached a connection (503) or a bad request (4xx).
  // A timeout or another 5xx stays "may have applied": the client cannot know.
  else if (res.status === 503 || (res.status >= 400 && res.status < 500)) debitsPhantom.add(1);
  if (res.status === 503) {
    if (!seen503) timeToFirst503.add(exec.instance.currentTestRunDuration / 1000);
    seen503 = true;
    const retryAfter = Number(res.headers['Retry-After']);
    if (retryAfter > 0) sleep(Math.min(retryAfter, 5));
  }
  return ok && res.timings.duration < healthyMs;
}

/** In teardown: reads the ledger for this run's keys and records the consistency metrics. */
export function checkLedger(ledgerUrl: string, runId: string): void {
  const res = http.get(`${ledgerUrl}?prefix=${encodeURIComponent(runId)}`, { timeout: '60s', tags: { name: 'ledger' } });
  if (res.status !== 200) {
    console.error(
      `${PREFIX} cannot read the ledger at ${ledgerUrl} (${res.status === 0 ? res.error : `HTTP ${res.status}`}): the consistency check could not run`,
    );
    consistencyMismatches.add(1);
    return;
  }
  const l = res.json() as { debits: number; distinctKeys: number; debited: number; balanceDrop: number };
  debitsLost.add(-l.debits);
  debitsPhantom.add(l.debits);
  const broken = l.debits - l.distinctKeys + (l.debited === l.balanceDrop ? 0 : 1);
  consistencyMismatches.add(broken);
  console.log(
    `${PREFIX} ledger for run ${runId}: ${l.debits} debits (${l.distinctKeys} keys), ${l.debited} debited, balances down ${l.balanceDrop}`,
  );
}
