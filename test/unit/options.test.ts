// Knobs from -e: a bad value names the key, the value and what is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bool, duration, durationSeconds, hostList, int, list, num, oneOf, readKnobs, stages, url } from '../../lib/options.ts';

/** The message the pack stops a test with (lib/fail.ts throws it as a string). */
function failure(f: () => unknown): string {
  try {
    f();
  } catch (thrown) {
    return String(thrown);
  }
  assert.fail('expected the call to fail');
}

test('each knob type parses what it allows and rejects the rest', () => {
  assert.equal(int(1, 10).parse('7'), 7);
  assert.equal(int(1, 10).parse('11'), undefined);
  assert.equal(int(1, 10).parse('2.5'), undefined);
  assert.equal(num(0, 1).parse('0.25'), 0.25);
  assert.equal(num(0, 1).parse('abc'), undefined);
  assert.equal(duration(0.001, 60).parse('500ms'), '500ms');
  assert.equal(duration(0.001, 60).parse('2m'), undefined);
  assert.equal(oneOf('full', 'smoke').parse('smoke'), 'smoke');
  assert.equal(oneOf('full', 'smoke').parse('huge'), undefined);
  assert.equal(bool().parse('TRUE'), true);
  assert.equal(bool().parse('yes'), undefined);
  assert.deepEqual(hostList().parse('api.example.com, *.staging.example.com'), ['api.example.com', '*.staging.example.com']);
  assert.deepEqual(hostList().parse(''), []);
  assert.equal(hostList().parse('http://x'), undefined);
  assert.deepEqual(list(oneOf('a', 'b')).parse('b, a'), ['b', 'a']);
  assert.equal(list(oneOf('a', 'b')).parse('a,c'), undefined, 'every item must parse');
  assert.equal(list(oneOf('a', 'b')).parse(' , '), undefined, 'at least one item');
  assert.match(list(oneOf('a', 'b')).allowed, /comma-separated list, each one of a, b/);
  assert.equal(url().parse('http://127.0.0.1:8081/'), 'http://127.0.0.1:8081');
  assert.equal(url().parse('127.0.0.1:8081'), undefined);
  assert.equal(durationSeconds('1.5m'), 90);
});

test('stages read as duration:target pairs, bounded in target and total time', () => {
  assert.deepEqual(stages(1000, 3600).parse('10s:100,30s:100,5s:0'), [
    { duration: '10s', target: 100 },
    { duration: '30s', target: 100 },
    { duration: '5s', target: 0 },
  ]);
  assert.equal(stages(1000, 3600).parse('10s:2000'), undefined);
  assert.equal(stages(1000, 60).parse('2m:10'), undefined);
  assert.equal(stages(1000, 60).parse('10:10'), undefined);
});

test('a bad -e value stops the run naming the key, the value given and what is allowed', () => {
  const msg = failure(() => readKnobs({ THINK_TIME: num(0, 60) }, { THINK_TIME: 1 }, { THINK_TIME: 'abc' }, 'echo'));
  assert.match(msg, /^floodgate: invalid options/);
  assert.match(msg, /-e THINK_TIME="abc" is not allowed: expected a number from 0 to 60/);
});

test('every bad value is reported at once, and a misspelt key is pointed out', () => {
  const msg = failure(() => readKnobs({ A: int(1, 2), B: int(1, 2) }, { A: 1, B: 1 }, { A: '0', B: '9', b: '1' }, 'x'));
  assert.match(msg, /-e A="0"/);
  assert.match(msg, /-e B="9"/);
  assert.match(msg, /-e b is not a knob; did you mean B\?/);
});

test('defaults go through the same parser, and a missing one is named', () => {
  assert.deepEqual(readKnobs({ N: int(1, 5) }, { N: 3 }, {}, 'x'), { N: 3 });
  assert.match(
    failure(() => readKnobs({ N: int(1, 5) }, { N: 9 }, {}, 'scenario x')),
    /the default N="9" for scenario x is not an integer from 1 to 5/,
  );
  assert.match(
    failure(() => readKnobs({ N: int(1, 5) }, {}, {}, 'x')),
    /N has no default/,
  );
});

test('a knob named like a shell variable (PATH, HOME...) is a developer error, caught at once', () => {
  assert.throws(() => readKnobs({ PATH: int(1, 2) }, { PATH: 1 }, {}, 'x'), /clash with shell variables/);
});
