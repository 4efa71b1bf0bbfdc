// recovery's findings: a blast k6 could not keep to is said to be smaller than asked, and the
// health endpoint's slowest answer in the blast says whether it stayed answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLAST_DROPPED, BLAST_SENT, HEALTH_IN_BLAST, recoveryFindings } from '../../lib/recovery-report.ts';
import type { SummaryData } from '../../lib/summary.ts';

const PLAN = { rate: 2000, seconds: 30, timeoutMs: 2000 };
const data = (sent: number, dropped: number, healthMax: number): SummaryData => ({
  metrics: {
    [BLAST_SENT]: { type: 'counter', contains: 'default', values: { count: sent } },
    [BLAST_DROPPED]: { type: 'counter', contains: 'default', values: { count: dropped } },
    [HEALTH_IN_BLAST]: { type: 'trend', contains: 'time', values: { count: 30, max: healthMax } },
  },
  state: { testRunDurationMs: 120_000 },
});

test('a blast k6 kept to is the one asked; the health endpoint answered', () => {
  const f = recoveryFindings(data(59_800, 0, 35), PLAN);
  assert.equal(f.lines[0]!.text, '1993 req/s of the 2000 asked: k6 kept to it');
  assert.equal(f.lines[1]!.text, 'stayed answered during the blast (slowest 35 ms)');
});

test('a blast k6 fell short of says so, with the arrivals it dropped; a health check that timed out says so', () => {
  const f = recoveryFindings(data(23_100, 36_000, 2000), PLAN);
  assert.match(f.lines[0]!.text, /^770 req\/s of the 2000 asked: k6 sent 39 % of it and dropped 36000 arrivals .*smaller than asked/);
  assert.equal(f.lines[1]!.text, 'stopped answering during the blast (a check timed out at 2000 ms)');
  assert.deepEqual((f.data as { blast: { short: boolean } }).blast.short, true);
});
