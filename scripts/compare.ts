// `npm run compare -- <baseline> <current> [--allow-different] [--out DIR] [--thresholds FILE]`:
// is the current build worse than the baseline? (harness/compare.ts). Exit 0: nothing regressed;
// 99: something did; 2: bad input.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { UsageError } from '../lib/fail.ts';
import { repoRoot } from '../harness/paths.mjs';
import { compareSides, readSide, readTolerances, renderComparison, writeComparison } from '../harness/compare.ts';

const USAGE = `usage: npm run compare -- <baseline> <current> [options]
  <baseline>, <current>  a results JSON, or a directory of runs of one scenario (several runs: their spread is the noise)
options:
  --allow-different      compare runs whose knobs differ (the scenario must be the same)
  --out DIR              where the comparison's JSON and JUnit go (default results)
  --thresholds FILE      the thresholds file whose "regression" section sets tolerances (default thresholds.json)`;

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'allow-different': { type: 'boolean', default: false },
      out: { type: 'string', default: 'results' },
      thresholds: { type: 'string', default: join(repoRoot, 'thresholds.json') },
    },
  });
  if (positionals.length !== 2) throw new UsageError('expected a baseline and a current');
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const at = (p: string) => (p.startsWith('/') ? p : join(cwd, p));
  const baseline = readSide(at(positionals[0]!), 'baseline');
  const current = readSide(at(positionals[1]!), 'current');
  const comparison = compareSides(baseline, current, {
    allowDifferent: values['allow-different'],
    tolerances: readTolerances(at(values.thresholds)),
  });
  process.stdout.write(renderComparison(comparison));
  const files = writeComparison(comparison, at(values.out), { baseline: positionals[0]!, current: positionals[1]! });
  process.stdout.write(`Comparison: ${files.join(', ')}\n`);
  process.exit(comparison.regressed.length > 0 ? 99 : 0);
} catch (err) {
  if (!(err instanceof UsageError) && !(err instanceof TypeError && 'code' in err)) throw err;
  process.stderr.write(`floodgate compare: ${err.message}\n${USAGE}\n`);
  process.exit(2);
}
