// Run-to-run comparison (lib/compare.ts): per gate and key metric, the change, which way is
// worse, and a verdict against the noise the runs show or a stated tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns, figureDirection, gateDirection, judgeRow, parseTolerances, toleranceFor } from '../../lib/compare.ts';
import type { Report } from '../../lib/summary.ts';

const run = (p95: number, failed: number, reqs: number, over: Partial<Report> = {}): Report =>
  ({
    scenario: 'echo',
    profile: 'smoke',
    baseUrl: 'http://x',
    durationSeconds: 7,
    verdict: 'pass',
    thresholds: [
      { metric: 'http_req_duration{scenario:echo}', expression: 'p(95)<100', ok: true, stat: 'p(95)', observed: p95, unit: 'ms' },
      { metric: 'http_req_failed{scenario:echo}', expression: 'rate<0.01', ok: true, stat: 'rate', observed: failed, unit: 'ratio' },
    ],
    failedThresholds: [],
    notMeasured: [],
    notGated: [],
    failureModes: {},
    requests: { count: 0 },
    figures: [{ label: 'calls in flight, max', unit: 'number', value: 10 }],
    comparisons: [],
    k6: { http_reqs: { values: { rate: reqs } }, http_req_duration: { values: { med: p95 / 2, 'p(95)': p95, 'p(99)': p95 * 1.2 } } },
    provenance: { knobs: { STAGES: '2s:10', BASE_URL: `http://127.0.0.1:${Math.round(reqs)}` } },
    ...over,
  }) as unknown as Report;

test('which way is worse: under a < bound lower is better, over a > bound higher; figures by their words', () => {
  assert.equal(gateDirection('p(95)<100'), 'lower');
  assert.equal(gateDirection('rate>0.99'), 'higher');
  assert.equal(gateDirection('rate==0'), 'lower');
  assert.equal(gateDirection('rate==1'), 'higher');
  assert.equal(figureDirection('calls in flight, max'), 'lower');
  assert.equal(figureDirection("users' requests"), 'none');
});

test('a change inside the tolerance is noise; past it, regressed or improved by its direction', () => {
  const row = { name: 'x', kind: 'gate' as const, unit: 'ms', better: 'lower' as const };
  assert.equal(judgeRow({ ...row, baseline: [100], current: [108] }, { relative: 0.1 }).verdict, 'within noise');
  assert.equal(judgeRow({ ...row, baseline: [100], current: [120] }, { relative: 0.1 }).verdict, 'regressed');
  assert.equal(judgeRow({ ...row, baseline: [100], current: [80] }, { relative: 0.1 }).verdict, 'improved');
  assert.equal(judgeRow({ ...row, better: 'none', baseline: [100], current: [150] }, { relative: 0.1 }).verdict, 'changed');
  assert.equal(judgeRow({ ...row, baseline: [], current: [1] }, {}).verdict, 'not measured');
});

test('several runs a side: their spread is the noise when it is larger than the tolerance', () => {
  const row = { name: 'x', kind: 'gate' as const, unit: 'ms', better: 'lower' as const };
  const noisy = judgeRow({ ...row, baseline: [100, 140], current: [130, 150] }, { relative: 0.1 });
  assert.equal(noisy.noiseFrom, 'spread');
  assert.equal(noisy.noise, 30);
  assert.equal(noisy.verdict, 'within noise', '+20 on average, inside a spread of 30');
});

test('tolerances: the metric as gated, then its bare name, then its kind (5 ms at least for a time, a point for a rate)', () => {
  const t = { 'http_req_duration{scenario:echo}': { relative: 0.2 }, http_req_failed: { absolute: 0.05 } };
  assert.deepEqual(toleranceFor('http_req_duration{scenario:echo} p(95)<100', 'ms', t), { relative: 0.2 });
  assert.deepEqual(toleranceFor('http_req_failed{scenario:echo} rate<0.01', 'ratio', t), { absolute: 0.05 });
  assert.deepEqual(toleranceFor('http_req_duration p(99)', 'ms', {}), { relative: 0.1, absolute: 5 });
  assert.deepEqual(toleranceFor('checks rate>0.99', 'ratio', {}), { absolute: 0.01 });
  assert.deepEqual(parseTolerances({ $comment: 'x', a: '15%', b: 0.02 }, 'f'), { a: { relative: 0.15 }, b: { absolute: 0.02 } });
  assert.match((parseTolerances({ a: 'lots' }, 'f') as { error: string }).error, /tolerance of a is "lots"; expected "N%"/);
});

test('two sets of runs: each gate, key metric and figure compared, the regressions named, the knobs that differ listed', () => {
  const c = compareRuns(
    [run(10, 0, 100), run(12, 0, 101)],
    [run(40, 0, 99, { provenance: { knobs: { STAGES: '2s:20', BASE_URL: 'http://y' } } } as unknown as Partial<Report>)],
  );
  assert.equal(c.regressed.includes('http_req_duration{scenario:echo} p(95)<100'), true);
  assert.equal(c.regressed.includes('http_req_duration p(95)'), true);
  assert.ok(!c.regressed.some((r) => r.startsWith('http_req_failed')), 'no errors either side');
  assert.deepEqual(c.differs, ['STAGES'], 'BASE_URL is where the target happened to listen, not the test');
  const same = compareRuns([run(10, 0, 100), run(12, 0, 101)], [run(11, 0, 100), run(13, 0, 100)]);
  assert.deepEqual(same.regressed, []);
  assert.ok(
    same.rows.every((r) => r.verdict === 'within noise'),
    JSON.stringify(same.rows.map((r) => [r.name, r.verdict])),
  );
});
