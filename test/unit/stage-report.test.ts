// breaking-point's findings read back from k6's end-of-test data: each stage's figures from its
// stage-tagged sub-metrics, the study's reading of them, and where a stop rule ended the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STUDY_RULES } from '../../lib/stage-findings.ts';
import { stageFindings, type StagedRun } from '../../lib/stage-report.ts';
import type { SummaryData, SummaryMetric } from '../../lib/summary.ts';

const RUN: StagedRun = {
  model: 'closed',
  labels: ['100', '250', '500'],
  loads: [100, 250, 500],
  seconds: [10, 10, 10],
  starts: [0, 10, 20],
  saturatedLagMs: 50,
  filter: 'scenario:load',
  rules: STUDY_RULES,
  stopRule: 'rate<=0.9',
  stopAt: 0.9,
};

/** k6's data for stages given as [requests, p99 ms, error rate, stop rule crossed]. */
function data(stages: [number, number, number, boolean?][]): SummaryData {
  const metrics: Record<string, SummaryMetric> = {};
  stages.forEach(([requests, p99, rate, stopped], i) => {
    const tag = `scenario:load,stage:${RUN.labels[i]}`;
    metrics[`http_reqs{${tag}}`] = { type: 'counter', contains: 'default', values: { count: requests, rate: requests / 10 } };
    metrics[`http_req_duration{${tag}}`] = {
      type: 'trend',
      contains: 'time',
      values: { count: requests, med: p99 / 4, 'p(95)': p99 / 2, 'p(99)': p99 },
    };
    metrics[`http_req_failed{${tag}}`] = {
      type: 'rate',
      contains: 'default',
      values: { rate, passes: Math.round(rate * requests), fails: requests - Math.round(rate * requests) },
      ...(i < 2 ? { thresholds: { 'rate<=0.9': { ok: !stopped } } } : {}),
    };
  });
  return { metrics, state: { testRunDurationMs: 30_000 } };
}

test('a run that degrades: per-stage figures, breaking point, last healthy stage and degradation as lines and data', () => {
  const f = stageFindings(
    data([
      [1000, 10, 0],
      [2500, 30, 0.02],
      [5000, 900, 0.6],
    ]),
    RUN,
  );
  const d = f.data as Record<string, unknown> & { stages: { label: string; perSecond: number; p50Ms: number }[] };
  assert.equal(d.breakingPoint, '500');
  assert.equal(d.lastHealthy, '100');
  assert.equal(d.stoppedAt, null);
  assert.deepEqual(
    d.stages.map((s) => [s.label, s.perSecond, s.p50Ms]),
    [
      ['100', 100, 2.5],
      ['250', 250, 7.5],
      ['500', 500, 225],
    ],
  );
  const text = Object.fromEntries(f.lines.map((l) => [l.label, l.text]));
  assert.match(text['breaking point']!, /^500 clients: errors 60 %, past 50 %/);
  assert.match(text['last healthy stage']!, /^100 clients \(p99 < 100 ms, errors < 1 %\)/);
  assert.match(text.degradation!, /super-linear, above 1.5/);
  assert.equal(text['stopped early'], 'no: every stage ran');
});

test('a crossed stop rule names the stage the run ended after; a stage that never ran has no figures', () => {
  const f = stageFindings(
    data([
      [1000, 10, 0.95, true],
      [200, 5, 0.99, true],
      [0, 0, 0],
    ]),
    RUN,
  );
  const d = f.data as { stoppedAt: string; lastHealthy: string | null; stages: { p99: number | null }[] };
  assert.equal(d.stoppedAt, '100');
  assert.equal(d.lastHealthy, null);
  assert.equal(d.stages[2]!.p99, null);
  assert.match(f.lines.find((l) => l.label === 'stopped early')!.text, /^after 100 clients: errors 95 %, past STOP_AT 90 %/);
});

test('no breaking point up to the top is an answer; the open model counts load in req/s', () => {
  const f = stageFindings(
    data([
      [1000, 10, 0],
      [2500, 11, 0],
      [5000, 12, 0],
    ]),
    { ...RUN, model: 'open' },
  );
  assert.equal(f.title, 'Findings (open model: load in req/s)');
  assert.equal(f.lines[0]!.text, 'none up to 500 req/s');
  assert.match(f.lines[1]!.text, /^500 req\/s/);
});

test('the first resource at its limit is named with its stage; a generator whose timers slipped is called saturated', () => {
  const d = data([
    [1000, 10, 0],
    [2500, 30, 0],
    [5000, 90, 0],
  ]);
  d.metrics['resource_exhausted_seconds{resource:cpu}'] = { type: 'trend', contains: 'default', values: { count: 9, min: 14.2 } };
  d.metrics['resource_exhausted_seconds{resource:files}'] = { type: 'trend', contains: 'default', values: { count: 0, min: 0 } };
  d.metrics['generator_lag{stage:500}'] = { type: 'trend', contains: 'time', values: { count: 10, 'p(99)': 120 } };
  const f = stageFindings(d, RUN);
  const data_ = f.data as { firstExhausted: { resource: string; stage: string }; generatorSaturatedAt: string[] };
  assert.deepEqual([data_.firstExhausted.resource, data_.firstExhausted.stage], ['cpu', '250']);
  assert.deepEqual(data_.generatorSaturatedAt, ['500']);
  const text = Object.fromEntries(f.lines.map((l) => [l.label, l.text]));
  assert.equal(text['first exhausted'], 'CPU (at 95 % of its limit) 14 s in, at 250 clients');
  assert.match(text.generator!, /^k6 itself was saturated at 500 clients/);
});
