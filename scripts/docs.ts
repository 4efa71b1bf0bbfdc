// `npm run docs`: rewrites the generated tables of the README and docs/ (scenarios, knobs) from
// lib/catalog/ and thresholds.json. `npm run docs -- --check` only says which are out of date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRepoFile, renderDocs, staleDocs } from '../harness/docs.ts';
import { repoRoot } from '../harness/paths.mjs';

const stale = staleDocs();
if (process.argv.includes('--check')) {
  if (stale.length > 0) {
    process.stderr.write(`floodgate docs: out of date: ${stale.join(', ')}; run npm run docs\n`);
    process.exit(1);
  }
  process.stdout.write('floodgate docs: the generated tables are up to date\n');
} else {
  for (const [file, text] of renderDocs(readRepoFile)) if (stale.includes(file)) writeFileSync(join(repoRoot, file), text);
  process.stdout.write(stale.length === 0 ? 'floodgate docs: nothing to update\n' : `floodgate docs: updated ${stale.join(', ')}\n`);
}
