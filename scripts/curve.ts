// `npm run curve -- <results/breaking-point-....json> [more.json]`: draws each breaking-point
// run's degradation curve (harness/curve.ts) beside its results JSON, as <name>-curve.svg.
import { existsSync } from 'node:fs';
import { writeCurve } from '../harness/curve.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: npm run curve -- <results/breaking-point-<stamp>.json> [more.json]\n');
  process.exit(2);
}
let failed = false;
for (const file of files) {
  if (!existsSync(file)) {
    process.stderr.write(`floodgate curve: no file ${file}; a breaking-point run names its JSON on its last line (Results: ...)\n`);
    failed = true;
    continue;
  }
  try {
    process.stdout.write(`${file}: curve ${await writeCurve(file)}\n`);
  } catch (err) {
    process.stderr.write(`floodgate curve: cannot draw ${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
