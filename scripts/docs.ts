// `npm run docs`: rewrites the generated tables of the README and docs/ (scenarios, knobs) from
// lib/catalog/ and thresholds.json. `npm run docs -- --check` only says which are out of date.
import { staleDocs, writeDocs } from '../harness/docs.ts';

if (process.argv.includes('--check')) {
  const stale = staleDocs();
  if (stale.length > 0) {
    process.stderr.write(`floodgate docs: out of date: ${stale.join(', ')}; run npm run docs\n`);
    process.exit(1);
  }
  process.stdout.write('floodgate docs: the generated tables are up to date\n');
} else {
  const updated = writeDocs();
  process.stdout.write(updated.length === 0 ? 'floodgate docs: nothing to update\n' : `floodgate docs: updated ${updated.join(', ')}\n`);
}
