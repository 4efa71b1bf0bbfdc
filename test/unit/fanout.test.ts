// The fanout command line: segments that cover the test exactly once, one loopback source
// address per process, and clear errors for what it cannot do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFanout, segments } from '../../harness/fanout.ts';

test('N processes get N segments of one sequence, each its own source address', () => {
  const s = segments(4);
  assert.equal(s.sequence, '0,1/4,2/4,3/4,1');
  assert.deepEqual([0, 1, 2, 3].map(s.segment), ['0:1/4', '1/4:2/4', '2/4:3/4', '3/4:1']);
  assert.equal(segments(1).segment(0), '0:1');
  const p = parseFanout(['ws-hold', '--procs', '3', '-e', 'CONNECTIONS=900', '--first-ip=127.0.1.20']);
  assert.deepEqual(p, {
    scenario: 'ws-hold',
    procs: 3,
    ips: ['127.0.1.20', '127.0.1.21', '127.0.1.22'],
    k6Args: ['-e', 'CONNECTIONS=900'],
  });
  assert.equal(parseFanout(['echo', '--procs', '2']).ips[0], '127.0.0.11');
});

test('bad input says what is allowed', () => {
  assert.throws(() => parseFanout([]), /name a scenario first/);
  assert.throws(() => parseFanout(['nope', '--procs', '2']), /no scenario "nope"/);
  assert.throws(() => parseFanout(['echo']), /--procs is required/);
  assert.throws(() => parseFanout(['echo', '--procs', '0']), /--procs 0: expected a whole number from 1 to 64/);
  assert.throws(() => parseFanout(['echo', '--procs', 'x']), /--procs x: expected/);
  assert.throws(() => parseFanout(['echo', '--procs', '2', '--first-ip', '10.0.0.1']), /expected a loopback address, 127\.x\.y\.z/);
  assert.throws(() => parseFanout(['echo', '--procs', '10', '--first-ip', '127.0.0.250']), /runs past 127\.0\.0\.254/);
  assert.throws(() => parseFanout(['echo', '--procs', '2', '--local-ips', '127.0.0.5']), /--local-ips is set by fanout/);
});
