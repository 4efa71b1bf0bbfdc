// Every default of every scenario, in both profiles, is one its own parser accepts: a typo in a
// declaration fails here, not only when k6 first runs that scenario in that profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonKnobs } from '../../lib/catalog/common.ts';
import { SCENARIOS } from '../../lib/catalog/index.ts';
import { defaultsFor, PROFILES } from '../../lib/catalog/knob.ts';
import { readKnobs } from '../../lib/options.ts';

for (const s of Object.values(SCENARIOS)) {
  for (const profile of PROFILES) {
    test(`${s.name}, profile ${profile}: every knob has a default its parser accepts`, () => {
      const spec = { ...commonKnobs(s.target), ...s.knobs };
      const values = readKnobs(spec, defaultsFor(spec, profile), {}, `${s.name} ${profile}`);
      assert.deepEqual(Object.keys(values).sort(), Object.keys(spec).sort());
    });
  }
}

test('smoke is smaller or equal: a smoke default is only given where it differs from full', () => {
  for (const s of Object.values(SCENARIOS)) {
    for (const [key, d] of Object.entries(s.knobs)) assert.notEqual(d.smoke, d.full, `${s.name} -> ${key}: smoke default equal to full`);
  }
});
