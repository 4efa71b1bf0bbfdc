// The single-container 1,000-client study's test of health after an overload: the service is
// recovered at the end of the first one-second window whose p99 is under the bound and whose
// error rate is under the bound. One checker VU feeds it its own answers, so its state is the
// whole story. Pure: unit-tested in Node.

export interface Health {
  /** p99 latency bound, ms. */
  p99Ms: number;
  /** Error-rate bound, 0-1. */
  maxErrorRate: number;
}

/** p99 of `ms` by nearest rank (with few samples: the slowest but one in a hundred). */
export function p99(ms: readonly number[]): number {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
}

/** Whether one window's answers (latency in ms, and whether each was an error) are healthy. */
export function windowHealthy(answers: readonly { ms: number; failed: boolean }[], h: Health): boolean {
  if (answers.length === 0) return false; // no answer at all is not health
  const errors = answers.filter((a) => a.failed).length / answers.length;
  return errors < h.maxErrorRate && p99(answers.map((a) => a.ms)) < h.p99Ms;
}
