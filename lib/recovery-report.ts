// recovery's findings from k6's end-of-test data: whether the blast was the overload asked for
// (k6 sharing two cores with the service can fall short, and then the recovery measured is a
// smaller overload's), and whether the health endpoint stayed answered through it. Pure:
// unit-tested in Node.
import type { Findings, SummaryData } from './summary.ts';

export interface BlastPlan {
  /** Requests a second asked of the blast, and for how long it held that rate. */
  rate: number;
  seconds: number;
  timeoutMs: number;
}

/** The sub-metrics the findings read (made visible as figures by the scenario). */
export const BLAST_SENT = 'http_reqs{scenario:blast,phase:blast}';
export const BLAST_DROPPED = 'dropped_iterations{scenario:blast}';
export const HEALTH_IN_BLAST = 'health_duration{phase:blast}';

export function recoveryFindings(data: SummaryData, plan: BlastPlan): Findings {
  const sent = data.metrics[BLAST_SENT]?.values.count ?? 0;
  const dropped = data.metrics[BLAST_DROPPED]?.values.count ?? 0;
  const achieved = sent / plan.seconds;
  // Within a twentieth of the rate asked is the rate asked: arrivals start on whole milliseconds.
  const short = achieved < plan.rate * 0.95;
  const health = data.metrics[HEALTH_IN_BLAST];
  const slowest = health && health.values.count! > 0 ? health.values.max! : null;
  const lines = [
    {
      label: 'blast',
      text: short
        ? `${achieved.toFixed(0)} req/s of the ${plan.rate} asked: k6 sent ${Math.round((achieved / plan.rate) * 100)} % of it` +
          (dropped > 0 ? ` and dropped ${dropped} arrivals (short of VUs or CPU)` : '') +
          ': the overload, and the recovery from it, were smaller than asked; give k6 more CPU or a machine of its own'
        : `${achieved.toFixed(0)} req/s of the ${plan.rate} asked: k6 kept to it`,
    },
    {
      label: 'health endpoint',
      text:
        slowest === null
          ? 'not checked during the blast'
          : slowest >= plan.timeoutMs
            ? `stopped answering during the blast (a check timed out at ${plan.timeoutMs} ms)`
            : `stayed answered during the blast (slowest ${slowest.toFixed(0)} ms)`,
    },
  ];
  return {
    title: 'Findings',
    lines,
    data: { blast: { asked: plan.rate, achieved, dropped, short }, healthSlowestInBlastMs: slowest },
  };
}
