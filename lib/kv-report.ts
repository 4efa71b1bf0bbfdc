// kv-writes' findings from k6's end-of-test data: the store's writes a day projected from what a
// request cost it in the run, against the store's quota (the study's question: does the free
// tier's 1,000 a day last at 1,000 users?), and how the limiter behaved while the store was down.
// Pure: unit-tested in Node.
import type { Findings, SummaryData } from './summary.ts';

/** Probe-derived: the store's write commands per request offered, over the last 5 s. */
export const WRITES_PER_REQUEST = 'target_kv_writes_per_request';
/** Probe-derived: WRITES_PER_REQUEST x requests a user sends a day x users a day. */
/** The store's health in the outage phase, as the probe read it (a figure of the scenario). */
export const STORE_UP_IN_OUTAGE = 'target_kv_store_healthy{phase:outage}';
export const PROJECTED_PER_DAY = 'kv_projected_writes_per_day';

export interface Projection {
  quota: number;
  dailyUsers: number;
  requestsPerUserDay: number;
  /** Whether the run had a store outage to speak of. */
  outage: boolean;
}

// k6's JavaScript has no locales: thousands separated by hand.
const fmt = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export function kvFindings(data: SummaryData, p: Projection): Findings {
  const perRequest = data.metrics[WRITES_PER_REQUEST]?.values;
  const measured = perRequest && (perRequest.count ?? 0) > 0 ? perRequest.med! : null;
  const projected = measured === null ? null : measured * p.requestsPerUserDay * p.dailyUsers;
  const lines = [
    {
      label: 'writes a day',
      text:
        projected === null
          ? `not measured: the probe read no store writes (PROBE_METRICS target_kv_store_writes)`
          : `${measured!.toFixed(3)} a request x ${p.requestsPerUserDay} requests a user x ${fmt(p.dailyUsers)} users = ` +
            `${fmt(projected)} a day: ${projected <= p.quota ? 'within' : `${(projected / p.quota).toFixed(1)}x`} the quota of ${fmt(p.quota)}`,
    },
  ];
  if (p.outage) {
    const refused = data.metrics['rate_limit_false_positives{phase:outage}']?.values.rate;
    const errors = data.metrics['failed_requests{failure_mode:http_5xx,phase:outage}']?.values.count ?? 0;
    const storeUp = data.metrics[STORE_UP_IN_OUTAGE]?.values.min;
    lines.push({
      label: 'store outage',
      text:
        storeUp !== 0
          ? 'the store was never seen down in the outage phase (break it at OUTAGE_AT, or map target_kv_store_healthy): nothing to say of it'
          : refused === undefined
            ? 'no user request was answered during the outage'
            : errors > 0
              ? `the limiter failed with the store: ${errors} 5xx to users`
              : refused > 0
                ? `fail-closed: ${(refused * 100).toFixed(1)} % of users' requests refused with 429, no 5xx`
                : 'fail-open: users admitted on the counts in memory, no 5xx',
    });
  }
  return { title: 'Findings', lines, data: { writesPerRequest: measured, projectedPerDay: projected, quota: p.quota } };
}
