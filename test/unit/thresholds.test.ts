// thresholds.json problems are caught before k6 starts, naming the file and what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseExpression, parseThresholds } from '../../lib/thresholds.ts';
import { SCENARIOS } from '../../lib/catalog/index.ts';

function failure(f: () => unknown): string {
  try {
    f();
  } catch (thrown) {
    return String(thrown);
  }
  assert.fail('expected the call to fail');
}

test('the shipped thresholds.json is valid and has a section for every scenario', () => {
  const text = readFileSync(new URL('../../thresholds.json', import.meta.url), 'utf8');
  for (const scenario of Object.keys(SCENARIOS)) {
    const t = parseThresholds(text, 'thresholds.json', scenario);
    assert.ok(Object.keys(t).length > 0, scenario);
  }
});

test('notes ($comment) are skipped; rules pass through as k6 expects them', () => {
  const t = parseThresholds(
    JSON.stringify({
      $comment: 'x',
      echo: { $comment: 'y', http_req_failed: ['rate<0.01', { threshold: 'rate<0.5', abortOnFail: true }] },
    }),
    'f.json',
    'echo',
  );
  assert.deepEqual(t, { http_req_failed: ['rate<0.01', { threshold: 'rate<0.5', abortOnFail: true }] });
});

test('malformed JSON names the file and the parse error', () => {
  assert.match(
    failure(() => parseThresholds('{"echo": {', 'thresholds.json', 'echo')),
    /^floodgate: thresholds.json is not valid JSON: /,
  );
});

test('a missing section names the scenario and the sections present', () => {
  const msg = failure(() => parseThresholds('{"burst": {"checks": ["rate>0.9"]}}', 'thresholds.json', 'echo'));
  assert.match(msg, /thresholds.json has no section "echo" \(sections: burst\)/);
});

test('a bad expression or metric name names the section, the metric and the grammar', () => {
  const msg = failure(() => parseThresholds('{"echo": {"http_req_duration": ["p95 < 100"], "bad metric": ["rate<1"]}}', 't.json', 'echo'));
  assert.match(msg, /"echo" -> "http_req_duration": "p95 < 100" is not a threshold/);
  assert.match(msg, /"echo" -> "bad metric": not a metric name/);
});

test('an error in another section is caught too, so one edit cannot break the next scenario', () => {
  assert.match(
    failure(() => parseThresholds('{"echo": {"checks": ["rate>0.9"]}, "burst": {"checks": []}}', 't.json', 'echo')),
    /"burst" -> "checks"/,
  );
});

test('an empty section is refused: a scenario that cannot fail gates nothing', () => {
  assert.match(
    failure(() => parseThresholds('{"echo": {"$comment": "x"}}', 't.json', 'echo')),
    /no thresholds/,
  );
});

test('expressions follow k6 grammar', () => {
  assert.deepEqual(parseExpression('p(99.9) <= 250'), { stat: 'p(99.9)', op: '<=', bound: 250 });
  assert.deepEqual(parseExpression('rate<0.01'), { stat: 'rate', op: '<', bound: 0.01 });
  assert.equal(parseExpression('p(95)<'), undefined);
});
