// Every gate earns its place: test/red-gates.json names, for each gate of thresholds.json, the
// end-to-end test that drives it red. A gate added without one, an entry naming a test that is
// not there (or does not mention the gate), or an entry that outlived its gate fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, repoRoot } from '../helpers/k6.ts';
import { isScenarioSection } from '../../lib/thresholds.ts';

interface Proof {
  test?: string;
  title?: string;
  trips?: string;
  pending?: string;
}
type Registry = Record<string, Record<string, Proof>>;

const shipped = readJson('thresholds.json') as Record<string, Record<string, unknown>>;
const registry = readJson('test/red-gates.json') as unknown as Registry;
const entries = (doc: Record<string, Record<string, unknown>>) =>
  Object.entries(doc)
    .filter(([name]) => isScenarioSection(name))
    .flatMap(([scenario, section]) =>
      Object.keys(section)
        .filter((k) => !k.startsWith('$'))
        .map((gate) => `${scenario} -> ${gate}`),
    );

/** The body of the test titled `title` in `text`: from its title to the next test. */
function testBody(text: string, title: string): string | undefined {
  for (const quote of ["'", '"', '`']) {
    const at = text.indexOf(`test(${quote}${title}${quote}`);
    if (at >= 0) {
      const next = text.indexOf('\ntest(', at + 1);
      return text.slice(at, next < 0 ? undefined : next);
    }
  }
  return undefined;
}

test('every gate of thresholds.json has an entry in test/red-gates.json, and every entry a gate', () => {
  assert.deepEqual(entries(registry as unknown as Record<string, Record<string, unknown>>).sort(), entries(shipped).sort());
});

test('each entry names an end-to-end test that exists, expects exit 99 and mentions the gate, and says what trips it', () => {
  const bad: string[] = [];
  for (const [scenario, gates] of Object.entries(registry)) {
    if (scenario.startsWith('$')) continue;
    for (const [gate, proof] of Object.entries(gates)) {
      const where = `${scenario} -> ${gate}`;
      if (proof.pending !== undefined) {
        if (proof.test !== undefined || proof.pending.length < 20) bad.push(`${where}: pending needs a reason and no test`);
        continue;
      }
      if (!proof.test || !proof.title || !proof.trips) {
        bad.push(`${where}: needs test, title and trips`);
        continue;
      }
      const file = join(repoRoot, proof.test);
      const body = existsSync(file) ? testBody(readFileSync(file, 'utf8'), proof.title) : undefined;
      if (body === undefined) bad.push(`${where}: no test titled "${proof.title}" in ${proof.test}`);
      else {
        if (!/\b99\b/.test(body)) bad.push(`${where}: ${proof.test} "${proof.title}" does not expect exit 99`);
        if (!body.includes(gate)) bad.push(`${where}: ${proof.test} "${proof.title}" never names ${gate}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test('no gate is left without a red proof', () => {
  const pending = Object.entries(registry).flatMap(([s, gates]) =>
    s.startsWith('$')
      ? []
      : Object.entries(gates)
          .filter(([, p]) => p.pending !== undefined)
          .map(([g]) => `${s} -> ${g}`),
  );
  // The last ones, the "the load ran" count>0 gates, went when a gate with no samples began to
  // fail by itself (lib/samples.ts).
  assert.deepEqual(pending, []);
});
