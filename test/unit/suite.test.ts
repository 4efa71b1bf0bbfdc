// npm run suite's command line and suite file: what runs, with which arguments, and what is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suiteCode, suitePlan, type SuiteRun } from '../../harness/suite.ts';
import { UsageError } from '../../lib/fail.ts';

const file = (text: string) => () => text;

test('scenarios before --, k6 arguments for every one of them after it', () => {
  assert.deepEqual(suitePlan(['echo', 'burst', '--', '-e', 'PROFILE=smoke']), {
    entries: [
      { scenario: 'echo', args: [] },
      { scenario: 'burst', args: [] },
    ],
    args: ['-e', 'PROFILE=smoke'],
  });
});

test('a suite file names scenarios, each with arguments of its own if it needs them', () => {
  const plan = suitePlan(['--file', 's.json'], file('{"scenarios": ["echo", {"name": "burst", "args": ["-e", "USERS=50"]}]}'));
  assert.deepEqual(plan.entries, [
    { scenario: 'echo', args: [] },
    { scenario: 'burst', args: ['-e', 'USERS=50'] },
  ]);
});

test('refused with what was wrong: no scenario, an unknown one, a malformed file, an entry of the wrong shape', () => {
  assert.throws(() => suitePlan(['--', '-e', 'X=1']), /no scenario given/);
  assert.throws(
    () => suitePlan(['echo', 'nope']),
    (e: Error) => e instanceof UsageError && /no scenario "nope"; scenarios: echo,/.test(e.message),
  );
  assert.throws(() => suitePlan(['--file', 's.json'], file('{"scenarios": [')), /--file s\.json: /);
  assert.throws(() => suitePlan(['--file', 's.json'], file('["echo"]')), /expected \{"scenarios": \[\.\.\.\]\}/);
  assert.throws(
    () => suitePlan(['--file', 's.json'], file('{"scenarios": [{"name": "echo", "args": "-e X=1"}]}')),
    /each scenario is a name, or/,
  );
  assert.throws(() => suitePlan(['--file', 'a.json', 'b.json']), /--file takes one suite file/);
});

test('one exit code: 1 if a run could not be judged, else 99 if a gate was crossed anywhere, else 0', () => {
  const runs = (...codes: number[]) => codes.map((code) => ({ code }) as SuiteRun);
  assert.equal(suiteCode(runs(0, 0)), 0);
  assert.equal(suiteCode(runs(0, 99)), 99);
  assert.equal(suiteCode(runs(99, 107, 0)), 1);
});
