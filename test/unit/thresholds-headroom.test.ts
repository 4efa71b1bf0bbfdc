// The end-to-end tests' headroom file may only loosen timing bounds the shipped thresholds.json
// already has, by at most MAX_LOOSENING: it cannot add a gate, drop one, or touch anything but a
// time. And no test that must fail leans on it for the gate it proves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExpression } from '../../lib/thresholds.ts';
import { readJson, repoRoot, withHeadroom } from '../helpers/k6.ts';

type Rules = Record<string, Record<string, string[]>>;
const shipped = readJson('thresholds.json') as Rules;
const headroom = readJson('test/thresholds-headroom.json') as Rules;
const MAX_LOOSENING = 10;
const sections = (doc: Rules) => Object.entries(doc).filter(([name]) => !name.startsWith('$'));

test('every headroom rule replaces a shipped timing rule of the same stat with a looser bound, at most 10 times the shipped one', () => {
  for (const [name, section] of sections(headroom)) {
    assert.ok(shipped[name], `section ${name} is in thresholds.json`);
    for (const [metric, rules] of Object.entries(section)) {
      const before = shipped[name]![metric];
      assert.ok(before, `${name} -> ${metric} is a shipped gate`);
      // dropped_iterations: the generator missing its schedule when the machine stalls, like ws_send_lag.
      assert.ok(/duration|connecting|rtt|lag|dropped/.test(metric), `${metric} is a timing metric`);
      assert.equal(rules.length, before.length, `${name} -> ${metric}: as many rules as shipped`);
      rules.forEach((rule, i) => {
        const loose = parseExpression(rule)!;
        const strict = parseExpression(before[i]!)!;
        assert.equal(loose.stat, strict.stat, rule);
        assert.equal(loose.op, '<', rule);
        assert.equal(strict.op, '<', before[i]);
        assert.ok(loose.bound > strict.bound && loose.bound <= strict.bound * MAX_LOOSENING, `${rule} against ${before[i]}`);
      });
    }
  }
});

test('the merged file keeps every shipped gate, with the headroom rules in place of the shipped ones', () => {
  const merged = withHeadroom(shipped, headroom) as Rules;
  for (const [name, section] of sections(shipped)) {
    assert.deepEqual(Object.keys(merged[name]!).sort(), Object.keys(section).sort(), name);
    for (const [metric, rules] of Object.entries(section)) {
      assert.deepEqual(merged[name]![metric], headroom[name]?.[metric] ?? rules, `${name} -> ${metric}`);
    }
  }
  assert.ok(sections(headroom).length > 0 && JSON.stringify(merged) !== JSON.stringify(shipped), 'the headroom changes something');
});

test('a test that expects exit 99 with headroom names exactly the gates that fail, and none of them is a loosened one', () => {
  const loosened = new Set(sections(headroom).flatMap(([, s]) => Object.keys(s)));
  const dir = join(repoRoot, 'test', 'e2e');
  const bad: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test.ts'))) {
    for (const block of readFileSync(join(dir, file), 'utf8')
      .split(/\ntest\(/)
      .slice(1)) {
      const title = block.slice(0, 60);
      // Each run asserted to exit 99 (`assert.equal(r.code, 99`), and the statement that made it.
      for (const [, run] of block.matchAll(/assert\.equal\((\w+)\.code, 99\b/g)) {
        const made = new RegExp(`const ${run} = await [^;]*;`, 's').exec(block)?.[0] ?? '';
        if (!made.includes('HEADROOM')) continue;
        const exact = new RegExp(`${run}\\.report!\\.failedThresholds, \\[([^\\]]*)\\]`).exec(block);
        if (!exact) bad.push(`${file}: ${title}: ${run} fails with headroom but its failed gates are not listed exactly`);
        else
          for (const m of exact[1]!.matchAll(/'([^']+)'/g))
            if (loosened.has(m[1]!)) bad.push(`${file}: ${title}: ${m[1]} is loosened by the headroom`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
