// The first resource of the service to run out, by the single-container study's limits: CPU at
// 95 % of the cores it may use, memory at 90 % of its limit, open files at 95 % of the most it
// may open. Read from what prom-client's default metrics and Go's client_golang both export
// (process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
// process_max_fds), so a Node or Go service needs nothing added. Pure: unit-tested in Node.

export interface ResourceLimit {
  resource: 'cpu' | 'memory' | 'files';
  /** The probe's derived share of the limit (0..1, past 1 when over). */
  share: string;
  limit: number;
  label: string;
}

/** The study's limits, in the order it lists them. */
export const RESOURCE_LIMITS: readonly ResourceLimit[] = [
  { resource: 'cpu', share: 'target_cpu_share', limit: 0.95, label: 'CPU' },
  { resource: 'memory', share: 'target_memory_share', limit: 0.9, label: 'memory' },
  { resource: 'files', share: 'target_fd_share', limit: 0.95, label: 'open files' },
];

/** Seconds into the run of each scrape that found a resource at its limit, tagged resource:<name>. */
export const EXHAUSTED_AT = 'resource_exhausted_seconds';

/**
 * The CPU share between consecutive scrapes: CPU seconds used over wall seconds passed, over
 * the cores the service may use. Stateful (the previous scrape); undefined on the first.
 */
export function cpuShareMeter(cores: number): (cpuSeconds: number, atMs: number) => number | undefined {
  let previous: { cpu: number; at: number } | undefined;
  return (cpu, at) => {
    const before = previous;
    previous = { cpu, at };
    if (!before || at <= before.at || cpu < before.cpu) return undefined; // first, or the process restarted
    return (cpu - before.cpu) / ((at - before.at) / 1000) / cores;
  };
}

/** Resident memory as a share of the limit, or undefined when the scrape had none. */
export function memoryShare(values: Readonly<Record<string, number>>, limitBytes: number): number | undefined {
  return values.target_rss_bytes === undefined ? undefined : values.target_rss_bytes / limitBytes;
}

/** Open files as a share of the most the process may open, or undefined when the scrape lacked either. */
export function fdShare(values: Readonly<Record<string, number>>): number | undefined {
  return values.target_open_fds === undefined || !values.target_max_fds ? undefined : values.target_open_fds / values.target_max_fds;
}

/** The resources at their limit in one scrape's shares. */
export function atLimit(shares: Readonly<Record<string, number>>): ResourceLimit[] {
  return RESOURCE_LIMITS.filter((r) => (shares[r.share] ?? 0) >= r.limit);
}

/** The resource that reached its limit first (by the first second each did), or null: none did. */
export function firstExhausted(firstSeconds: Readonly<Partial<Record<ResourceLimit['resource'], number | null>>>) {
  let first: { resource: ResourceLimit; seconds: number } | null = null;
  for (const r of RESOURCE_LIMITS) {
    const s = firstSeconds[r.resource];
    if (s !== null && s !== undefined && (first === null || s < first.seconds)) first = { resource: r, seconds: s };
  }
  return first;
}
