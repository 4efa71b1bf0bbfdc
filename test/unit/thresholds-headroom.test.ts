// The end-to-end tests' headroom file may only loosen timing bounds the shipped thresholds.json
// already has: it cannot add a gate, drop one, or tighten/loosen anything but a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExpression } from '../../lib/thresholds.ts';
import { repoRoot, withHeadroom } from '../helpers/k6.ts';

type Sections = Record<string, Record<string, string[]>>;
const read = (f: string) => JSON.parse(readFileSync(join(repoRoot, f), 'utf8')) as Sections;
const shipped = read('thresholds.json');
const headroom = read('test/thresholds-headroom.json');

test('every headroom rule replaces a shipped timing rule of the same stat with a looser upper bound', () => {
  for (const [name, section] of Object.entries(headroom)) {
    if (name.startsWith('$')) continue;
    assert.ok(shipped[name], `section ${name} is in thresholds.json`);
    for (const [metric, rules] of Object.entries(section)) {
      const before = shipped[name]![metric];
      assert.ok(before, `${name} -> ${metric} is a shipped gate`);
      assert.ok(/duration|connecting|rtt|lag/.test(metric), `${metric} is a timing metric`);
      assert.equal(rules.length, before.length, `${name} -> ${metric}: as many rules as shipped`);
      rules.forEach((rule, i) => {
        const loose = parseExpression(rule)!;
        const strict = parseExpression(before[i]!)!;
        assert.equal(loose.stat, strict.stat, rule);
        assert.equal(loose.op, '<', rule);
        assert.equal(strict.op, '<', before[i]);
        assert.ok(loose.bound > strict.bound, `${rule} is looser than ${before[i]}`);
      });
    }
  }
});

test('the merged file keeps every shipped section and gate', () => {
  const merged = withHeadroom(shipped, headroom) as Sections;
  for (const [name, section] of Object.entries(shipped)) {
    if (name.startsWith('$')) continue;
    assert.deepEqual(Object.keys(merged[name]!).sort(), Object.keys(section).sort(), name);
  }
});
