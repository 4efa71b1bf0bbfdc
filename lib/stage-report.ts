// breaking-point's findings from k6's end-of-test data: each stage's figures (read from the
// stage-tagged sub-metrics the stage table makes visible), then the study's reading of them
// (lib/stage-findings.ts) as summary lines and as data for the JSON and the curve. Pure:
// unit-tested in Node.
import { analyzeStages, type StageRules, type StageStats } from './stage-findings.ts';
import { withTag } from './samples.ts';
import { EXHAUSTED_AT, firstExhausted, RESOURCE_LIMITS } from './resources.ts';
import type { Findings, SummaryData } from './summary.ts';

export interface StagedRun {
  model: 'closed' | 'open';
  /** Stage labels (the stage tag's values) and their loads, in order. */
  labels: readonly string[];
  loads: readonly number[];
  /** Seconds each stage was meant to run, for its throughput. */
  seconds: readonly number[];
  /** Seconds into the run each stage starts: which stage a resource ran out in. */
  starts: readonly number[];
  /** The generator's timer lag (ms, p99 over a stage) past which k6 itself was saturated. */
  saturatedLagMs: number;
  /** The load's tag filter, so the probe's and setup's requests stay out: "scenario:load". */
  filter: string;
  rules: StageRules;
  /** The stop rule's expression on each stage's error rate, or none (STOP_AT 1). */
  stopRule?: string;
  stopAt: number;
}

/** One stage's figures, as the JSON and the curve carry them. */
export interface StageFigures extends StageStats {
  perSecond: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Null where the stage sent nothing. */
  p99: number | null;
}

const unitOf = (model: StagedRun['model']) => (model === 'closed' ? 'clients' : 'req/s');

/** Each stage's figures from the summary data: requests, throughput, p50/p95/p99, error rate. */
export function stageFigures(data: SummaryData, run: StagedRun): StageFigures[] {
  const key = (metric: string, label: string) => withTag(`${metric}{${run.filter}}`, 'stage', label);
  return run.labels.map((label, i) => {
    const requests = data.metrics[key('http_reqs', label)]?.values.count ?? 0;
    const duration = requests > 0 ? data.metrics[key('http_req_duration', label)]?.values : undefined;
    const p99 = duration?.['p(99)'] ?? null;
    return {
      label,
      load: run.loads[i]!,
      requests,
      perSecond: run.seconds[i]! > 0 ? requests / run.seconds[i]! : 0,
      p50Ms: duration?.med ?? null,
      p95Ms: duration?.['p(95)'] ?? null,
      p99,
      p99Ms: p99 ?? 0,
      errorRate: requests > 0 ? (data.metrics[key('http_req_failed', label)]?.values.rate ?? 0) : 0,
    };
  });
}

/** The first stage whose stop rule k6 judged crossed (the run ended there), or null. */
export function stoppedAt(data: SummaryData, run: StagedRun): string | null {
  if (run.stopRule === undefined) return null;
  const crossed = run.labels.find(
    (label) => data.metrics[withTag(`http_req_failed{${run.filter}}`, 'stage', label)]?.thresholds?.[run.stopRule!]?.ok === false,
  );
  return crossed ?? null;
}

/** The first resource at its limit, when, and in which stage; null: none (or the probe read nothing). */
export function exhaustion(data: SummaryData, run: StagedRun) {
  const seconds = Object.fromEntries(
    RESOURCE_LIMITS.map((r) => {
      const m = data.metrics[`${EXHAUSTED_AT}{resource:${r.resource}}`];
      return [r.resource, m && m.values.count! > 0 ? m.values.min! : null];
    }),
  );
  const first = firstExhausted(seconds);
  if (!first) return null;
  let stage = 0;
  while (stage + 1 < run.starts.length && run.starts[stage + 1]! <= first.seconds) stage++;
  return {
    resource: first.resource.resource,
    label: first.resource.label,
    limit: first.resource.limit,
    seconds: first.seconds,
    stage: run.labels[stage]!,
  };
}

/** The stages where k6's own timers slipped past saturatedLagMs (p99): its figures there measure k6 too. */
export function generatorSaturated(data: SummaryData, run: StagedRun): string[] {
  return run.labels.filter((label) => (data.metrics[`generator_lag{stage:${label}}`]?.values['p(99)'] ?? 0) > run.saturatedLagMs);
}

/** The summary's Findings block and the JSON's findings: breaking point, last healthy stage, degradation, early stop. */
export function stageFindings(data: SummaryData, run: StagedRun): Findings {
  const stages = stageFigures(data, run);
  const f = analyzeStages(stages, run.rules);
  const unit = unitOf(run.model);
  const stage = (label: string | null) => stages.find((s) => s.label === label);
  const at = (label: string) => `${stage(label)!.load} ${unit}`;
  const pct = (rate: number) => `${Number((rate * 100).toFixed(2))} %`;
  const healthy = `p99 < ${run.rules.healthyP99Ms} ms, errors < ${pct(run.rules.healthyErrorRate)}`;
  const sent = stages.filter((s) => s.requests > 0);
  const top = sent[sent.length - 1];
  const stopped = stoppedAt(data, run);
  const exhausted = exhaustion(data, run);
  const saturated = generatorSaturated(data, run);
  const lines = [
    {
      label: 'breaking point',
      text: f.breakingPoint
        ? `${at(f.breakingPoint)}: errors ${pct(stage(f.breakingPoint)!.errorRate)}, past ${pct(run.rules.breakAt)}`
        : `none up to ${top ? at(top.label) : `the first stage (no stage sent requests)`}`,
    },
    {
      label: 'last healthy stage',
      text: f.lastHealthy ? `${at(f.lastHealthy)} (${healthy})` : `none: the first stage was already not (${healthy})`,
    },
    {
      label: 'degradation',
      text:
        f.averageRatio === null
          ? 'not measured (needs two stages with requests)'
          : `p99 grows ${f.averageRatio.toFixed(2)}x as fast as the load (average of ${f.ratios.length} step${f.ratios.length === 1 ? '' : 's'}): ${
              f.superLinear
                ? `super-linear, above ${run.rules.superLinearAbove}`
                : `not super-linear (at most ${run.rules.superLinearAbove})`
            }`,
    },
    {
      label: 'first exhausted',
      text: exhausted
        ? `${exhausted.label} (at ${exhausted.limit * 100} % of its limit) ${exhausted.seconds.toFixed(0)} s in, at ${at(exhausted.stage)}`
        : `none (${RESOURCE_LIMITS.map((r) => `${r.label} ${r.limit * 100} %`).join(', ')}; needs the probe's ${RESOURCE_LIMITS.map((r) => r.share).join(', ')})`,
    },
    {
      label: 'generator',
      text:
        saturated.length === 0
          ? `k6 kept up: its timers slipped under ${run.saturatedLagMs} ms (p99) at every stage`
          : `k6 itself was saturated at ${saturated.map(at).join(', ')} (timers late by more than ${run.saturatedLagMs} ms, p99): figures there measure the generator too; spread the load (npm run fanout) or give k6 more CPU`,
    },
    {
      label: 'stopped early',
      text: stopped
        ? `after ${at(stopped)}: errors ${pct(stage(stopped)!.errorRate)}, past STOP_AT ${pct(run.stopAt)}; later stages did not run in full`
        : 'no: every stage ran',
    },
  ];
  return {
    title: `Findings (${run.model} model: load in ${unit})`,
    lines,
    data: {
      model: run.model,
      unit,
      stages: stages.map(({ p99Ms: _, ...s }) => s),
      breakingPoint: f.breakingPoint,
      lastHealthy: f.lastHealthy,
      degradation: { ratios: f.ratios, average: f.averageRatio, superLinear: f.superLinear },
      stoppedAt: stopped,
      firstExhausted: exhausted,
      generatorSaturatedAt: saturated,
      rules: { ...run.rules, stopAt: run.stopAt },
    },
  };
}
