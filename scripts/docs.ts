// `npm run docs`: rewrites the generated tables of the README and docs/ (scenarios, knobs) from
// lib/catalog/ and thresholds.json. `npm run docs -- --check` only says which are out of date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRepoFile, renderDocs } from '../harness/docs.ts';
import { repoRoot } from '../harness/paths.mjs';

// Rendered once: what each generated file should read, and which differ from what is committed.
const rendered = renderDocs(readRepoFile);
const stale = [...rendered].filter(([file, text]) => readRepoFile(file) !== text).map(([file]) => file);
if (process.argv.includes('--check')) {
  if (stale.length > 0) {
    process.stderr.write(`floodgate docs: out of date: ${stale.join(', ')}; run npm run docs\n`);
    process.exit(1);
  }
  process.stdout.write('floodgate docs: the generated tables are up to date\n');
} else {
  for (const file of stale) writeFileSync(join(repoRoot, file), rendered.get(file)!);
  process.stdout.write(stale.length === 0 ? 'floodgate docs: nothing to update\n' : `floodgate docs: updated ${stale.join(', ')}\n`);
}
