// lib/metric-types.ts knows every metric the pack creates: a new Counter('x') in lib/ or
// scenarios/ without its entry would leave the verdict over InfluxDB unable to read x.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricType } from '../../lib/metric-types.ts';
import { repoRoot } from '../helpers/k6.ts';

const sources = (dir: string): string[] =>
  readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(repoRoot, dir, e.name)] : [],
  );

test('every metric lib/ and scenarios/ create by name has its type in lib/metric-types.ts', () => {
  const wrong: string[] = [];
  for (const file of [...sources('lib'), ...sources('scenarios')]) {
    for (const m of readFileSync(file, 'utf8').matchAll(/new (Counter|Gauge|Rate|Trend)\('([A-Za-z_]\w*)'/g)) {
      const want = m[1]!.toLowerCase();
      if (metricType(m[2]!) !== want)
        wrong.push(`${m[2]} (${want}, in ${file.slice(repoRoot.length)}): lib/metric-types.ts says ${metricType(m[2]!)}`);
    }
  }
  assert.deepEqual(wrong, []);
});
