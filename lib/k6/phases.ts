// Names the phase of a run (slow-upstream: steady, outage, recovering, recovered; recovery:
// before, blast, reduce, after; breaking-point: its stages) and tags every metric of the calling
// VU with it, so thresholds and tables can ask about one phase with a {phase:...} filter. Cheap
// enough for every iteration: a scan of a few spans and one tag.
import exec from 'k6/execution';

/** Phases in order, each until a second of the run (the last one has no end). */
export type Timeline = readonly { name: string; until: number }[];

export function phaseAt(seconds: number, t: Timeline): string {
  for (const p of t) if (seconds < p.until) return p.name;
  return t[t.length - 1]!.name;
}

/** Tags this VU's metrics from now on with the current phase (as `tag`), and returns it. */
export function tagPhase(t: Timeline, tag = 'phase'): string {
  const phase = phaseAt(exec.instance.currentTestRunDuration / 1000, t);
  exec.vu.metrics.tags[tag] = phase;
  return phase;
}
