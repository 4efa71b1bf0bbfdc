// Every results file says where it came from; what the run could not know is "unknown", never guessed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { provenanceOf } from '../../lib/provenance.ts';

const base = {
  scenario: 'echo',
  profile: 'smoke',
  knobs: { STAGES: '2s:10', SKIP_PREFLIGHT: false },
  end: new Date('2026-12-04T06:00:10Z'),
  durationMs: 10_000,
};

test('the commit, k6, the machine, every knob, the testid, start and end', () => {
  const p = provenanceOf({
    ...base,
    build: { commit: 'abc123', dirty: false },
    env: { FLOODGATE_K6: 'k6 v2.2.0 (go1.26.8, linux/amd64)', FLOODGATE_MACHINE: '{"cores":2,"memoryBytes":1024,"kernel":"linux 6.1"}' },
    testid: 'launch-1',
  });
  assert.deepEqual(p, {
    commit: 'abc123',
    dirty: false,
    k6: 'k6 v2.2.0 (go1.26.8, linux/amd64)',
    machine: { cores: 2, memoryBytes: 1024, kernel: 'linux 6.1' },
    scenario: 'echo',
    profile: 'smoke',
    knobs: { STAGES: '2s:10', SKIP_PREFLIGHT: 'false' },
    testid: 'launch-1',
    startedAt: '2026-12-04T06:00:00.000Z',
    endedAt: '2026-12-04T06:00:10.000Z',
  });
});

test('a plain k6 run of a bundle built outside a clone knows no commit, k6 or machine: unknown', () => {
  const p = provenanceOf({ ...base, build: undefined, env: { FLOODGATE_MACHINE: 'not json' }, testid: undefined });
  assert.equal(p.commit, 'unknown');
  assert.equal(p.dirty, 'unknown');
  assert.equal(p.k6, 'unknown');
  assert.deepEqual(p.machine, { cores: 'unknown', memoryBytes: 'unknown', kernel: 'unknown' });
  assert.equal(p.testid, 'unknown');
});
