// The single-container study's reading of a staged ramp: breaking point, last healthy stage,
// and whether latency grows faster than load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeStages, heldStages, stageAt, stageLabels, stageSpans, type StageStats } from '../../lib/stage-findings.ts';

const SEED = [
  { duration: '10s', target: 100 },
  { duration: '10s', target: 250 },
  { duration: '10s', target: 500 },
  { duration: '10s', target: 750 },
  { duration: '30s', target: 1000 },
];
const stage = (load: number, p99Ms: number, errorRate: number, requests = 100): StageStats => ({
  label: String(load),
  load,
  requests,
  p99Ms,
  errorRate,
});

test("each second belongs to a stage; labels are the stages' loads, unique", () => {
  assert.deepEqual(stageLabels(SEED), ['100', '250', '500', '750', '1000']);
  assert.deepEqual(stageLabels([...SEED.slice(0, 1), ...SEED.slice(0, 1)]), ['100', '100_2']);
  assert.deepEqual(
    [0, 9.99, 10, 39.9, 40, 69, 500].map((s) => stageAt(s, SEED)),
    [0, 0, 1, 3, 4, 4, 4],
  );
});

test('a service that degrades past 500 clients: last healthy 500, breaking point 1000, super-linear', () => {
  const f = analyzeStages([stage(100, 10, 0), stage(250, 12, 0), stage(500, 20, 0.001), stage(750, 400, 0.2), stage(1000, 2000, 0.7)]);
  assert.equal(f.lastHealthy, '500');
  assert.equal(f.breakingPoint, '1000');
  assert.equal(f.ratios.length, 4);
  assert.ok(f.superLinear, `average ratio ${f.averageRatio}`);
});

test('a service that holds: no breaking point up to the top, healthy at every stage, linear or better', () => {
  const f = analyzeStages([stage(100, 10, 0), stage(250, 10, 0), stage(500, 11, 0), stage(750, 11, 0), stage(1000, 12, 0)]);
  assert.equal(f.breakingPoint, null);
  assert.equal(f.lastHealthy, '1000');
  assert.equal(f.superLinear, false);
});

test('unhealthy from the first stage: no last healthy stage; stages without requests are left out', () => {
  const f = analyzeStages([stage(100, 150, 0), stage(250, 0, 0, 0)]);
  assert.equal(f.lastHealthy, null);
  assert.deepEqual(f.ratios, []);
  assert.equal(f.averageRatio, null);
});

test('each stage is held: an instant step to its load, then its duration; spans say where each begins and ends', () => {
  assert.deepEqual(heldStages(SEED.slice(0, 2)), [
    { duration: '0s', target: 100 },
    { duration: '10s', target: 100 },
    { duration: '0s', target: 250 },
    { duration: '10s', target: 250 },
  ]);
  assert.deepEqual(
    stageSpans(SEED).map((s) => [s.name, s.start, s.until]),
    [
      ['100', 0, 10],
      ['250', 10, 20],
      ['500', 20, 30],
      ['750', 30, 40],
      ['1000', 40, 70],
    ],
  );
});
