// The single-container 1,000-client study's reading of a staged ramp, for the breaking-point
// scenario (issue 12): which stage each second belongs to, and from each stage's figures the
// breaking point (first stage whose errors pass 50 %), the last healthy stage (p99 < 100 ms and
// errors < 1 %, before the first that is not) and the degradation (p99 growth over load growth
// between consecutive stages, averaged; above 1.5 it is super-linear). Pure: unit-tested in Node.
import { durationSeconds, type Stage } from './options.ts';

/** Each stage's tag value: its target load, made unique where two stages share one ("100", "100_2"). */
export function stageLabels(stages: readonly Stage[]): string[] {
  const seen = new Map<string, number>();
  return stages.map((s) => {
    const n = (seen.get(String(s.target)) ?? 0) + 1;
    seen.set(String(s.target), n);
    return n === 1 ? String(s.target) : `${s.target}_${n}`;
  });
}

/**
 * k6 stages that hold each load for its duration, as the study runs them, instead of k6's
 * linear ramp towards it: an instant step (a 0 s stage) then the hold.
 */
export function heldStages(stages: readonly Stage[]): Stage[] {
  return stages.flatMap((s) => [
    { duration: '0s', target: s.target },
    { duration: s.duration, target: s.target },
  ]);
}

/**
 * Each stage as a span named by its label, from its start to its end in seconds: a Timeline
 * (lib/k6/phases.ts) for the stage tag, and where each stage's stop rule may first be judged.
 */
export function stageSpans(stages: readonly Stage[]): { name: string; start: number; until: number }[] {
  const labels = stageLabels(stages);
  let start = 0;
  return stages.map((s, i) => {
    const span = { name: labels[i]!, start, until: start + (durationSeconds(s.duration) ?? 0) };
    start = span.until;
    return span;
  });
}

/** The index of the stage running at `seconds` into the scenario (the last one past its end). */
export function stageAt(seconds: number, stages: readonly Stage[]): number {
  let end = 0;
  for (let i = 0; i < stages.length; i++) {
    end += durationSeconds(stages[i]!.duration) ?? 0;
    if (seconds < end) return i;
  }
  return stages.length - 1;
}

export interface StageStats {
  label: string;
  /** Clients (closed model) or target req/s (open model). */
  load: number;
  requests: number;
  p99Ms: number;
  errorRate: number;
}

export interface StageRules {
  breakAt: number;
  healthyP99Ms: number;
  healthyErrorRate: number;
  superLinearAbove: number;
}

/** The study's numbers. */
export const STUDY_RULES: StageRules = { breakAt: 0.5, healthyP99Ms: 100, healthyErrorRate: 0.01, superLinearAbove: 1.5 };

export interface StageFindings {
  /** The first stage whose error rate passes breakAt; null: no breaking point up to the top stage. */
  breakingPoint: string | null;
  /** The last stage before the first unhealthy one; null: already the first stage was unhealthy. */
  lastHealthy: string | null;
  /** p99 growth / load growth for each consecutive pair of stages that both have a p99 and a load. */
  ratios: number[];
  averageRatio: number | null;
  superLinear: boolean;
}

export function analyzeStages(all: readonly StageStats[], rules: StageRules = STUDY_RULES): StageFindings {
  const stages = all.filter((s) => s.requests > 0); // a stage that sent nothing says nothing
  const breaking = stages.find((s) => s.errorRate > rules.breakAt);
  const firstUnhealthy = stages.findIndex((s) => !(s.p99Ms < rules.healthyP99Ms && s.errorRate < rules.healthyErrorRate));
  const healthyUpTo = firstUnhealthy < 0 ? stages.length : firstUnhealthy;
  const ratios: number[] = [];
  for (let i = 1; i < stages.length; i++) {
    const [prev, cur] = [stages[i - 1]!, stages[i]!];
    if (prev.p99Ms > 0 && prev.load > 0 && cur.load > 0) ratios.push(cur.p99Ms / prev.p99Ms / (cur.load / prev.load));
  }
  const averageRatio = ratios.length === 0 ? null : ratios.reduce((a, b) => a + b, 0) / ratios.length;
  return {
    breakingPoint: breaking?.label ?? null,
    lastHealthy: healthyUpTo === 0 ? null : stages[healthyUpTo - 1]!.label,
    ratios,
    averageRatio,
    superLinear: averageRatio !== null && averageRatio > rules.superLinearAbove,
  };
}
